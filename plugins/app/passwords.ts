// argon2id hashing at OWASP parameters, and the decoy verification that makes unknown e-mails cost the same.
// At most `concurrency` hashes run at once and `queue` wait; past that a request gets 503 `overloaded`
// at once, instead of every request waiting longer and longer behind the thread pool. A hash whose
// client has disconnected by its turn (a client timeout, a benchmark's end) is skipped: no one would
// read its answer, and its slot serves a client still waiting.
import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import { AppError } from '../../lib/errors.js'

export const SALT_BYTES = 16

export const HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1
} as const

// The connection a hash is for (a request's socket); none for the CLI.
export interface Client {
  readonly destroyed: boolean
}

export interface Passwords {
  hash (password: string, client?: Client): Promise<string>
  // Returns whether the password matches; a missing hash is checked against a decoy so timing says nothing.
  verify (hash: string | undefined, password: string, client?: Client): Promise<boolean>
  needsRehash (hash: string): boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    passwords: Passwords
  }
}

// argon2 writes m,p,t; the PHC reference order is m,t,p, which every other argon2 library parses.
function canonical (hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$')
}

export interface HashLimits {
  concurrency: number
  queue: number
}

const overloaded = () => new AppError('overloaded', undefined, { 'retry-after': '1' })

interface Waiter {
  client?: Client
  resolve: () => void
  reject: (err: AppError) => void
}

const gone = (client?: Client) => client?.destroyed === true

// A counting semaphore with a bounded wait list. Waiters whose clients have gone give up their
// places: to the next waiter when a slot frees, and to a new arrival when the list is full.
export function createHashGate ({ concurrency, queue }: HashLimits) {
  let running = 0
  let waiting: Waiter[] = []
  const release = () => {
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      if (!gone(next.client)) return next.resolve()
      next.reject(overloaded())
    }
    running--
  }
  const dropDeparted = () => {
    const live: Waiter[] = []
    for (const waiter of waiting) {
      if (gone(waiter.client)) waiter.reject(overloaded())
      else live.push(waiter)
    }
    waiting = live
  }
  return async function run<T> (work: () => Promise<T>, client?: Client): Promise<T> {
    if (running < concurrency) {
      running++
    } else {
      if (waiting.length >= queue) dropDeparted()
      if (waiting.length >= queue) throw overloaded()
      await new Promise<void>((resolve, reject) => waiting.push({ client, resolve, reject }))
    }
    try {
      if (gone(client)) throw overloaded()
      return await work()
    } finally {
      release()
    }
  }
}

export async function createPasswords (limits: HashLimits): Promise<Passwords> {
  const run = createHashGate(limits)
  // The salt is drawn here, synchronously (16 bytes, as argon2 would): argon2's own draw is a job
  // on libuv's pool, queued among the hashes, and the hash waits for the main thread to pick it up.
  const hash = async (password: string, client?: Client) =>
    canonical(await run(() => argon2.hash(password, { ...HASH_OPTIONS, salt: randomBytes(SALT_BYTES) }), client))
  // Made up front so the first unknown e-mail does not also pay for a hash.
  const decoy = await hash(randomBytes(16).toString('hex'))
  return {
    hash,
    async verify (stored, password, client) {
      try {
        const ok = await run(() => argon2.verify(stored ?? decoy, password), client)
        return ok && stored !== undefined
      } catch (err) {
        if (err instanceof AppError) throw err
        // A malformed stored hash is a failed login, not a crash.
        return false
      }
    },
    needsRehash (stored) {
      return argon2.needsRehash(stored, HASH_OPTIONS)
    }
  }
}

export default fp(async function passwords (fastify) {
  const { HASH_CONCURRENCY, HASH_QUEUE } = fastify.config
  const passwords = await createPasswords({ concurrency: HASH_CONCURRENCY, queue: HASH_QUEUE })
  fastify.decorate('passwords', passwords)
}, { name: 'passwords', dependencies: ['env'] })
