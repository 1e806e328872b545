import { test } from 'tap'
import { createHashGate } from '../../../../plugins/app/passwords/hash-gate.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const hold = (ms: number) => async () => {
  await new Promise((resolve) => setTimeout(resolve, ms))
  return ms
}

// Work that holds its slot `ms` and counts how many ran at once.
function peakCounting (ms: number) {
  let running = 0
  let peak = 0
  const work = async () => {
    running++
    peak = Math.max(peak, running)
    await hold(ms)()
    running--
    return 'done'
  }
  return { work, peak: () => peak }
}

// Each work lasts at least as long as it is told, and (the margins below allow) not much longer.
test('the gate admits a waiter while its place in line × the mean hash time ÷ the concurrency, and its own hash, are within the budget', async (t) => {
  const gate = createHashGate({ concurrency: 1, maxWaitMs: 2300 })
  await gate.run(hold(600)) // the mean: 600 ms
  const { work, peak } = peakCounting(600)
  // One runs; places 1 and 2 expect their hash done after 1200 and 1800 ms; a third would after 2400 ms, over 2300.
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => gate.run(work)))
  t.equal(peak(), 1, 'one at a time')
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected'])
  for (const refused of results.slice(3)) {
    const reason = refused.status === 'rejected' ? refused.reason : undefined
    t.ok(reason instanceof AppError)
    t.match(reason, { errorCode: 'overloaded', statusCode: 503, headers: { 'retry-after': '3' } }, 'Retry-After: the 2.4 s it would have waited, rounded up')
  }
  t.equal(await gate.run(work), 'done', 'slots are released after failures and successes alike')
})

test('`concurrency` hashes run at once, and the wait is shared among them', async (t) => {
  const gate = createHashGate({ concurrency: 2, maxWaitMs: 900 })
  await gate.run(hold(400))
  const { work, peak } = peakCounting(400)
  // Two run; places 1 and 2 expect their hash done after 200 + 400 and 400 + 400 ms; a third after 1000 ms.
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => gate.run(work)))
  t.equal(peak(), 2)
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'])
})

test('the mean hash time follows the hashes: slower hashes shorten the line that is admitted', async (t) => {
  const gate = createHashGate({ concurrency: 1, maxWaitMs: 600 })
  for (let i = 0; i < 10; i++) await gate.run(hold(20))
  const fastMean = gate.stats().meanHashMs ?? Number.NaN
  const burst = () => Promise.allSettled([gate.run(hold(60)), ...Array.from({ length: 5 }, () => gate.run(hold(20)))])
  // About 20 ms a hash: the fifth waiting expects its hash done after about 120 ms.
  t.same((await burst()).map((r) => r.status), Array(6).fill('fulfilled'), 'fast hashes: the whole burst waits its turn')

  for (let i = 0; i < 12; i++) await gate.run(hold(250))
  t.ok((gate.stats().meanHashMs ?? 0) > fastMean, 'the estimate rose')
  // About 250 ms a hash now: place 1 expects 500 ms, place 2 would expect 750.
  t.same((await burst()).map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected'], 'slow hashes: the surplus is refused')
  t.match(gate.stats(), { running: 0, waiting: 0 }, 'nothing left running or waiting')
})

// Work that records its name when it starts and holds its slot `ms`.
function namedWork (ms = 30) {
  const ran: string[] = []
  const work = (name: string) => async () => {
    ran.push(name)
    await hold(ms)()
    return name
  }
  return { ran, work }
}

test('a queued hash whose client has disconnected by its turn is skipped, and its slot goes to the next', async (t) => {
  const { run } = createHashGate({ concurrency: 1, maxWaitMs: 10_000 })
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

test('a request that would wait too long first lets go of waiters whose clients have departed', async (t) => {
  // About 200 ms a hash, 500 ms of wait with its own hash: room for one waiter.
  const { run } = createHashGate({ concurrency: 1, maxWaitMs: 500 })
  await run(hold(200))
  const { ran, work } = namedWork(200)
  const gone = { destroyed: false }
  const first = run(hold(200))
  const left = run(work('left'), gone)
  gone.destroyed = true // the one place in line is held by a client that has gone
  const [newcomer, departed] = await Promise.allSettled([run(work('newcomer'), { destroyed: false }), left])
  await first
  t.match(newcomer, { status: 'fulfilled', value: 'newcomer' }, 'admitted, not refused')
  t.match(departed, { status: 'rejected', reason: { errorCode: 'overloaded' } })
  t.same(ran, ['newcomer'])
  const stillFull = await Promise.allSettled([run(hold(200)), run(work('b'), { destroyed: false }), run(work('c'))])
  t.same(stillFull.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected'], 'live waiters are never dropped')
})
