import { test } from 'tap'
import { build } from '../../../helper.js'
import { signupAndLogin, PASSWORD } from '../../../helpers/fixtures.js'
import { createPasswords, SALT_BYTES } from '../../../../plugins/app/passwords/passwords.js'

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
