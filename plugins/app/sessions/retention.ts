// The retention sweep of sessions: those that ended more than SESSION_RETENTION ago are deleted, in
// batches, resting between two, so requests keep the database (and, embedded, the event loop).
import fp from 'fastify-plugin'
import { inBatches } from '../retention/periodic-sweeps.js'
import type { SessionsRepository } from './sessions-repository.js'

export const SESSIONS_SWEEP = 'sessions'
// Rows per batch. Embedded, a batch runs on the event loop (PGlite is in process): a small one
// keeps short what a request waits behind it.
export const sessionSweepBatch = (embedded: boolean): number => embedded ? 200 : 1000
// After each batch the sweep rests this many times as long as the batch took: it never takes more
// than a tenth of the time from requests. Retention is not urgent; logins are.
export const SWEEP_REST_FACTOR = 9

export interface SessionSweepOptions {
  retention: number
  batchSize: number
  restFactor?: number
  signal?: AbortSignal
}

export async function sweepEndedSessions (sessions: SessionsRepository, options: SessionSweepOptions): Promise<{ sessions: number, batches: number }> {
  const { retention, batchSize, restFactor = SWEEP_REST_FACTOR, signal } = options
  const { deleted, batches } = await inBatches(() => sessions.deleteEnded(retention, batchSize), batchSize, restFactor, signal)
  return { sessions: deleted, batches }
}

export default fp(async function sessionsRetention (fastify) {
  const retention = fastify.config.SESSION_RETENTION
  const batchSize = sessionSweepBatch(fastify.config.DATABASE_URL === '')
  fastify.periodicSweeps.add(SESSIONS_SWEEP, (signal) => sweepEndedSessions(fastify.sessionsRepository, { retention, batchSize, signal }))
}, { name: 'sessions-retention', dependencies: ['env', 'sessions-repository', 'periodic-sweeps'] })
