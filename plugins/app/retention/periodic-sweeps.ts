// The one mechanism for retention sweeps: each table that grows with use registers a sweep here,
// which runs every RETENTION_SWEEP_INTERVAL seconds on one instance at a time.
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../../db/types.js'

// What a sweep deleted, by kind of row.
export type SweepResult = Record<string, number>
// Aborted when the server closes: a sweep working in batches stops after the current one.
export type Sweep = (signal: AbortSignal) => Promise<SweepResult>

export interface PeriodicSweeps {
  add (name: string, sweep: Sweep): void
  // Runs a sweep now; undefined when it is already running, here or on another instance.
  run (name: string): Promise<SweepResult | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    periodicSweeps: PeriodicSweeps
  }
}

// Rows per batch. Embedded, a batch runs on the event loop (PGlite is in process): a small one
// keeps short what a request waits behind it.
export const sweepBatch = (embedded: boolean): number => embedded ? 200 : 1000
// After each batch a sweep rests this many times as long as the batch took: it never takes more
// than a tenth of the time from requests. Retention is not urgent; logins are.
export const SWEEP_REST_FACTOR = 9

// Runs deleteBatch until a batch deletes fewer than batchSize rows or the signal aborts, resting
// restFactor times each batch's time after it, so a sweep takes at most 1 / (1 + restFactor) of the time.
export async function inBatches (deleteBatch: () => Promise<number>, options: { batchSize: number, restFactor?: number, signal?: AbortSignal }): Promise<{ deleted: number, batches: number }> {
  const { batchSize, restFactor = SWEEP_REST_FACTOR, signal } = options
  let deleted = 0
  let batches = 0
  while (signal?.aborted !== true) {
    const started = performance.now()
    const count = await deleteBatch()
    if (count > 0) batches++
    deleted += count
    if (count < batchSize) break
    const rest = (performance.now() - started) * restFactor
    if (rest > 0) await sleep(rest, undefined, { signal }).catch(() => {})
  }
  return { deleted, batches }
}

// Sweeps running in this process, by database object: apps sharing one (tests) share the set.
const runningIn = new WeakMap<Kysely<Database>, Set<string>>()

// Runs fn unless another holder runs under the same name. On PostgreSQL the holder is a session-level
// advisory lock on a connection reserved for it, so fn's own statements use the rest of the pool
// and others' queries get their turn between them. Embedded PGlite is one session in one process
// (where an advisory lock is re-entrant), so the in-process set is the lock there.
export async function exclusively<T> (db: Kysely<Database>, embedded: boolean, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  let running = runningIn.get(db)
  if (running === undefined) runningIn.set(db, running = new Set())
  if (running.has(name)) return undefined
  running.add(name)
  try {
    if (embedded) return await fn()
    return await db.connection().execute(async (holder) => {
      const key = sql`hashtext(${`bookly sweep ${name}`})`
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${key}) as locked`.execute(holder)
      if (rows[0]?.locked !== true) return undefined
      try {
        return await fn()
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(holder)
      }
    })
  } finally {
    running.delete(name)
  }
}

export default fp(async function periodicSweeps (fastify) {
  const embedded = fastify.config.DATABASE_URL === ''
  const sweeps = new Map<string, Sweep>()
  const closing = new AbortController()
  const inFlight = new Set<Promise<unknown>>()

  const run = (name: string): Promise<SweepResult | undefined> => {
    const sweep = sweeps.get(name)
    if (sweep === undefined) throw new Error(`no sweep named ${name}`)
    if (closing.signal.aborted) return Promise.resolve(undefined)
    const running = exclusively(fastify.db, embedded, name, () => sweep(closing.signal))
    inFlight.add(running)
    running.finally(() => inFlight.delete(running)).catch(() => {})
    return running
  }

  const timer = setInterval(() => {
    for (const name of sweeps.keys()) {
      run(name).then(
        (swept) => { if (swept !== undefined) fastify.log.debug({ sweep: name, swept }, 'retention sweep done') },
        (err: unknown) => fastify.log.warn({ err, sweep: name }, 'retention sweep failed')
      )
    }
  }, fastify.config.RETENTION_SWEEP_INTERVAL * 1000)
  timer.unref()

  // Before the database closes: the sweeps stop after their current batch.
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    closing.abort()
    await Promise.allSettled(inFlight)
  })

  fastify.decorate('periodicSweeps', {
    add (name: string, sweep: Sweep) {
      if (sweeps.has(name)) throw new Error(`a sweep named ${name} is already registered`)
      sweeps.set(name, sweep)
    },
    run
  })
}, { name: 'periodic-sweeps', dependencies: ['env', 'db'] })
