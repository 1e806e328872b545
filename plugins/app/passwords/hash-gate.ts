// Admission to password hashing. At most `concurrency` hashes run at once and `queue` wait; past
// that a request gets 503 `overloaded` at once, instead of every request waiting longer and longer
// behind the thread pool. A hash whose client has disconnected by its turn (a client timeout, a
// benchmark's end) is skipped: no one would read its answer, and its slot serves a client still waiting.
import type { Socket } from 'node:net'
import { retryAfter } from '../http/errors.js'

// The connection a hash is for (a request's socket); none for the CLI.
export type CallerSocket = Pick<Socket, 'destroyed'>

export interface HashLimits {
  concurrency: number
  queue: number
}

const overloaded = () => retryAfter('overloaded', 1)

interface Waiter {
  socket?: CallerSocket
  resolve: () => void
  reject: (err: Error) => void
}

const gone = (socket?: CallerSocket) => socket?.destroyed === true

// A counting semaphore with a bounded wait list. Waiters whose clients have gone give up their
// places: to the next waiter when a slot frees, and to a new arrival when the list is full.
export function createHashGate ({ concurrency, queue }: HashLimits) {
  let running = 0
  let waiting: Waiter[] = []
  const release = () => {
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      if (!gone(next.socket)) return next.resolve()
      next.reject(overloaded())
    }
    running--
  }
  const dropDeparted = () => {
    const live: Waiter[] = []
    for (const waiter of waiting) {
      if (gone(waiter.socket)) waiter.reject(overloaded())
      else live.push(waiter)
    }
    waiting = live
  }
  return async function run<T> (work: () => Promise<T>, socket?: CallerSocket): Promise<T> {
    if (running < concurrency) {
      running++
    } else {
      if (waiting.length >= queue) dropDeparted()
      if (waiting.length >= queue) throw overloaded()
      await new Promise<void>((resolve, reject) => waiting.push({ socket, resolve, reject }))
    }
    try {
      if (gone(socket)) throw overloaded()
      return await work()
    } finally {
      release()
    }
  }
}
