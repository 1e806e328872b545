// The retention sweep of sessions: those that ended more than SESSION_RETENTION ago are deleted, in
// batches, resting between two, so requests keep the database (and, embedded, the event loop).
import fp from 'fastify-plugin'
import { inBatches, sweepBatch } from '../retention/periodic-sweeps.js'
import type { SessionsRepository } from './sessions-repository.js'

export const SESSIONS_SWEEP = 'sessions'

export interface SessionSweepOptions {
  retention: number
  batchSize: number
  restFactor?: number
  signal?: AbortSignal
}

export async function sweepEndedSessions (sessions: SessionsRepository, options: SessionSweepOptions): Promise<{ sessions: number, batches: number }> {
  const { deleted, batches } = await inBatches(() => sessions.deleteEnded(options.retention, options.batchSize), options)
  return { sessions: deleted, batches }
}

export default fp(async function sessionsRetention (fastify) {
  const retention = fastify.config.SESSION_RETENTION
  const batchSize = sweepBatch(fastify.config.DATABASE_URL === '')
  fastify.periodicSweeps.add(SESSIONS_SWEEP, (signal) => sweepEndedSessions(fastify.sessionsRepository, { retention, batchSize, signal }))
}, { name: 'sessions-retention', dependencies: ['env', 'sessions-repository', 'periodic-sweeps'] })
