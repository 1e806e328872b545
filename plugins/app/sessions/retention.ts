// The retention sweep of sessions: those that ended more than SESSION_RETENTION ago are deleted, in
// batches, so requests get the database between two of them.
import fp from 'fastify-plugin'
import type { SessionsRepository } from './sessions-repository.js'

export const SESSIONS_SWEEP = 'sessions'
export const SESSION_SWEEP_BATCH = 1000

export interface SessionSweepOptions {
  retention: number
  batchSize?: number
  signal?: AbortSignal
}

export async function sweepEndedSessions (sessions: SessionsRepository, { retention, batchSize = SESSION_SWEEP_BATCH, signal }: SessionSweepOptions): Promise<{ sessions: number, batches: number }> {
  let deleted = 0
  let batches = 0
  while (signal?.aborted !== true) {
    const count = await sessions.deleteEnded(retention, batchSize)
    if (count > 0) batches++
    deleted += count
    if (count < batchSize) break
  }
  return { sessions: deleted, batches }
}

export default fp(async function sessionsRetention (fastify) {
  const retention = fastify.config.SESSION_RETENTION
  fastify.periodicSweeps.add(SESSIONS_SWEEP, (signal) => sweepEndedSessions(fastify.sessionsRepository, { retention, signal }))
}, { name: 'sessions-retention', dependencies: ['env', 'sessions-repository', 'periodic-sweeps'] })
