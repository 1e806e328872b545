// Admission to password hashing by expected wait. At most `concurrency` hashes run at once; a
// request that finds every slot busy waits its turn while its expected wait for its hash to be
// done (its place in the line × the measured mean hash time ÷ the concurrency, then its own hash)
// is at most `maxWaitMs`: so an admitted request is answered within the budget, not one hash past it.
// Past that it gets 503 `overloaded` at once, with a Retry-After from that expected wait: a burst that the threads
// clear within the budget is served, a sustained overload is shed cheaply. A hash whose client has
// disconnected by its turn (a client timeout, a benchmark's end) is skipped: no one would read its
// answer, and its slot serves a client still waiting.
import type { Socket } from 'node:net'
import { retryAfter } from '../http/errors.js'

// The connection a hash is for (a request's socket); none for the CLI.
export type CallerSocket = Pick<Socket, 'destroyed'>

export interface HashLimits {
  concurrency: number
  // The longest expected wait for a slot that is still admitted, milliseconds.
  maxWaitMs: number
}

export interface HashGate {
  run: <T>(work: () => Promise<T>, socket?: CallerSocket) => Promise<T>
  // Throws the refusal that a hash arriving now would get, so a route can refuse before it reads
  // the database: under a sustained overload most requests are refused, and each must be cheap.
  refuseIfBusy: () => void
  // What admission is judged by, for metrics and tests.
  stats: () => { running: number, waiting: number, meanHashMs: number | undefined }
}

// Weight of the newest hash time in the running mean: it follows a change of load (a neighbour
// taking the CPU, a larger HASH_CONCURRENCY) within some ten hashes, and one slow hash moves it little.
const NEWEST_WEIGHT = 0.2

interface Waiter {
  socket?: CallerSocket
  resolve: () => void
  reject: (err: Error) => void
}

const gone = (socket?: CallerSocket) => socket?.destroyed === true
const departed = () => retryAfter('overloaded', 1)

export function createHashGate ({ concurrency, maxWaitMs }: HashLimits): HashGate {
  let running = 0
  let waiting: Waiter[] = []
  // Wall time of a hash from its slot to its answer; unknown until the first one (passwords.ts
  // hashes its decoy at start), and until then everyone is admitted.
  let meanHashMs: number | undefined
  const measured = (ms: number) => {
    meanHashMs = meanHashMs === undefined ? ms : meanHashMs + NEWEST_WEIGHT * (ms - meanHashMs)
  }
  // Expected wait of the next arrival, number `waiting.length + 1` in line, until its own hash is done.
  const expectedWaitMs = () => ((waiting.length + 1) / concurrency + 1) * (meanHashMs ?? 0)
  const release = () => {
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      if (!gone(next.socket)) return next.resolve()
      next.reject(departed())
    }
    running--
  }
  const dropDeparted = () => {
    const live: Waiter[] = []
    for (const waiter of waiting) {
      if (gone(waiter.socket)) waiter.reject(departed())
      else live.push(waiter)
    }
    waiting = live
  }
  const refuseIfBusy = () => {
    if (running < concurrency) return
    // Clients that have left hold places that no one will use: let them go before refusing.
    if (expectedWaitMs() > maxWaitMs) dropDeparted()
    const wait = expectedWaitMs()
    if (wait > maxWaitMs) throw retryAfter('overloaded', wait / 1000)
  }
  return {
    refuseIfBusy,
    async run<T> (work: () => Promise<T>, socket?: CallerSocket): Promise<T> {
      refuseIfBusy()
      if (running < concurrency) {
        running++
      } else {
        await new Promise<void>((resolve, reject) => waiting.push({ socket, resolve, reject }))
      }
      try {
        if (gone(socket)) throw departed()
        const started = performance.now()
        const result = await work()
        // Only completed hashes: a malformed stored hash fails at once and says nothing of the cost.
        measured(performance.now() - started)
        return result
      } finally {
        release()
      }
    },
    stats: () => ({ running, waiting: waiting.length, meanHashMs })
  }
}
