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
test('the gate admits a waiter while its place in line × the mean hash time ÷ the concurrency is within the budget', async (t) => {
  const gate = createHashGate({ concurrency: 1, maxWaitMs: 1150 })
  await gate.run(hold(300)) // the mean: 300 ms
  const { work, peak } = peakCounting(300)
  // One runs; places 1-3 expect 300, 600, 900 ms; a fourth would expect 1200 ms, over 1150.
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => gate.run(work)))
  t.equal(peak(), 1, 'one at a time')
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
  for (const refused of results.slice(4)) {
    const reason = refused.status === 'rejected' ? refused.reason : undefined
    t.ok(reason instanceof AppError)
    t.match(reason, { errorCode: 'overloaded', statusCode: 503, headers: { 'retry-after': '2' } }, 'Retry-After: the 1.2 s it would have waited, rounded up')
  }
  t.equal(await gate.run(work), 'done', 'slots are released after failures and successes alike')
})

test('`concurrency` hashes run at once, and the wait is shared among them', async (t) => {
  const gate = createHashGate({ concurrency: 2, maxWaitMs: 250 })
  await gate.run(hold(200))
  const { work, peak } = peakCounting(200)
  // Two run; places 1 and 2 expect 100 and 200 ms; a third would expect 300 ms.
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => gate.run(work)))
  t.equal(peak(), 2)
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'])
})

test('the mean hash time follows the hashes: slower hashes shorten the line that is admitted', async (t) => {
  const gate = createHashGate({ concurrency: 1, maxWaitMs: 250 })
  for (let i = 0; i < 10; i++) await gate.run(hold(20))
  const fastMean = gate.stats().meanHashMs ?? Number.NaN
  const burst = () => Promise.allSettled([gate.run(hold(60)), ...Array.from({ length: 5 }, () => gate.run(hold(20)))])
  // About 20 ms a hash: five waiting expect about 100 ms.
  t.same((await burst()).map((r) => r.status), Array(6).fill('fulfilled'), 'fast hashes: the whole burst waits its turn')

  for (let i = 0; i < 12; i++) await gate.run(hold(100))
  t.ok((gate.stats().meanHashMs ?? 0) > fastMean, 'the estimate rose')
  // About 100 ms a hash now: places 1 and 2 expect 100 and 200 ms, place 3 would expect 300.
  t.same((await burst()).map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected'], 'slow hashes: the surplus is refused')
  t.match(gate.stats(), { running: 0, waiting: 0 }, 'nothing left running or waiting')
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
  // About 100 ms a hash, 150 ms of wait: room for one waiter.
  const { run } = createHashGate({ concurrency: 1, maxWaitMs: 150 })
  await run(hold(100))
  const { ran, work } = namedWork()
  const gone = { destroyed: false }
  const first = run(hold(100))
  const left = run(work('left'), gone)
  gone.destroyed = true // the one place in line is held by a client that has gone
  const [newcomer, departed] = await Promise.allSettled([run(work('newcomer'), { destroyed: false }), left])
  await first
  t.match(newcomer, { status: 'fulfilled', value: 'newcomer' }, 'admitted, not refused')
  t.match(departed, { status: 'rejected', reason: { errorCode: 'overloaded' } })
  t.same(ran, ['newcomer'])
  const stillFull = await Promise.allSettled([run(hold(100)), run(work('b'), { destroyed: false }), run(work('c'))])
  t.same(stillFull.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected'], 'live waiters are never dropped')
})
