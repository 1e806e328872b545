import { test } from 'tap'
import { createHashGate } from '../../../../plugins/app/passwords/hash-gate.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

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
