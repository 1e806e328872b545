import { test } from 'tap'
import { build, signupAndLogin, PASSWORD } from '../../helper.js'
import { createHashGate, createPasswords, SALT_BYTES } from '../../../plugins/app/passwords.js'
import { AppError } from '../../../lib/errors.js'

test('the hash gate runs `concurrency` at once, queues `queue`, and refuses the rest at once', async (t) => {
  const run = createHashGate({ concurrency: 1, queue: 1 })
  let running = 0
  let peak = 0
  const work = async () => {
    running++
    peak = Math.max(peak, running)
    await new Promise((resolve) => setTimeout(resolve, 50))
    running--
    return 'done'
  }
  const results = await Promise.allSettled([run(work), run(work), run(work)])
  t.equal(peak, 1)
  t.same(results.slice(0, 2).map((r) => r.status), ['fulfilled', 'fulfilled'])
  const refused = results[2]
  t.equal(refused?.status, 'rejected')
  const reason = refused?.status === 'rejected' ? refused.reason : undefined
  t.ok(reason instanceof AppError)
  t.match(reason, { errorCode: 'overloaded', statusCode: 503, headers: { 'retry-after': '1' } })
  t.equal(await run(work), 'done', 'slots are released after failures and successes alike')
})

// Work that records its name when it starts and holds its slot for 30 ms.
function namedWork () {
  const ran: string[] = []
  const work = (name: string) => async () => {
    ran.push(name)
    await new Promise((resolve) => setTimeout(resolve, 30))
    return name
  }
  return { ran, work }
}

test('a queued hash whose client has disconnected by its turn is skipped, and its slot goes to the next', async (t) => {
  const run = createHashGate({ concurrency: 1, queue: 2 })
  const { ran, work } = namedWork()
  const gone = { destroyed: false }
  const results = Promise.allSettled([run(work('first')), run(work('left'), gone), run(work('stayed'), { destroyed: false })])
  gone.destroyed = true // while 'first' holds the only slot
  const [first, left, stayed] = await results
  t.same(ran, ['first', 'stayed'], 'the departed client\'s hash never ran')
  t.equal(first?.status, 'fulfilled')
  t.match(left, { status: 'rejected', reason: { errorCode: 'overloaded' } })
  t.match(stayed, { status: 'fulfilled', value: 'stayed' })
  t.equal(await run(work('after')), 'after', 'the skipped hash gave its slot back')
})

test('a full wait list makes room for a new client by letting go of departed ones', async (t) => {
  const run = createHashGate({ concurrency: 1, queue: 1 })
  const { ran, work } = namedWork()
  const gone = { destroyed: false }
  const first = run(work('first'))
  const left = run(work('left'), gone)
  gone.destroyed = true // the wait list (1 place) is full with a client that has gone
  const [newcomer, departed] = await Promise.allSettled([run(work('newcomer'), { destroyed: false }), left])
  await first
  t.match(newcomer, { status: 'fulfilled', value: 'newcomer' }, 'queued, not refused')
  t.match(departed, { status: 'rejected', reason: { errorCode: 'overloaded' } })
  t.same(ran, ['first', 'newcomer'])
  const stillFull = await Promise.allSettled([run(work('a')), run(work('b'), { destroyed: false }), run(work('c'))])
  t.same(stillFull.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected'], 'live waiters are never dropped')
})

test('a flood of logins with one hashing slot gets fast 503s while /health answers', async (t) => {
  const app = await build(t, { config: { HASH_CONCURRENCY: 1, HASH_QUEUE: 1 } })
  const user = await signupAndLogin(app)
  const logins = Array.from({ length: 20 }, (_, i) => app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: i % 2 ? user.email : `nobody${i}@example.com`, password: i % 4 === 1 ? PASSWORD : 'wrong password' }
  }))
  const health = Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/health' }))
  const [loginResults, healthResults] = await Promise.all([Promise.all(logins), Promise.all(health)])

  const overloaded = loginResults.filter((res) => res.statusCode === 503)
  t.ok(overloaded.length >= 10, `${overloaded.length} of 20 logins shed`)
  for (const res of overloaded) {
    t.same(res.json(), { statusCode: 503, error: 'Service Unavailable', error_code: 'overloaded', message: 'Server is busy, please retry shortly' })
    t.equal(res.headers['retry-after'], '1')
  }
  const answered = loginResults.filter((res) => res.statusCode !== 503)
  t.ok(answered.length >= 2, 'the slot and the queue were served')
  t.ok(answered.every((res) => [200, 403].includes(res.statusCode)), 'served logins got real answers')
  t.same(healthResults.map((res) => res.statusCode), [200, 200, 200, 200, 200])

  const after = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })
  t.equal(after.statusCode, 200, 'hashing is available again once the flood has passed')
})

test('every hash has a salt of its own: 16 random bytes, in the PHC string argon2 libraries parse', async (t) => {
  const passwords = await createPasswords({ concurrency: 2, queue: 4 })
  const hashes = await Promise.all(Array.from({ length: 4 }, () => passwords.hash(PASSWORD)))
  const salts = hashes.map((hash) => {
    const match = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$[A-Za-z0-9+/]+$/.exec(hash)
    t.ok(match, `PHC string: ${hash.slice(0, 30)}...`)
    return Buffer.from(match?.[1] ?? '', 'base64')
  })
  t.same(salts.map((salt) => salt.length), [SALT_BYTES, SALT_BYTES, SALT_BYTES, SALT_BYTES])
  t.equal(SALT_BYTES, 16)
  t.equal(new Set(salts.map((salt) => salt.toString('hex'))).size, salts.length, 'no two salts alike')
  for (const hash of hashes) t.ok(await passwords.verify(hash, PASSWORD), 'each verifies')
  t.notOk(await passwords.verify(hashes[0], `${PASSWORD}!`), 'and refuses another password')
})
