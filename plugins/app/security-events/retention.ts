// The retention sweep of security events: those older than SECURITY_EVENT_RETENTION are deleted in
// batches, resting between two, through the one periodic-sweeps mechanism.
import fp from 'fastify-plugin'
import { inBatches, sweepBatch } from '../retention/periodic-sweeps.js'

export const SECURITY_EVENTS_SWEEP = 'security events'

export default fp(async function securityEventsRetention (fastify) {
  const retention = fastify.config.SECURITY_EVENT_RETENTION
  const events = fastify.securityEventsRepository
  const batchSize = sweepBatch(fastify.config.DATABASE_URL === '')
  fastify.periodicSweeps.add(SECURITY_EVENTS_SWEEP, async (signal) => {
    const { deleted } = await inBatches(() => events.deleteOlderThan(retention, batchSize), { batchSize, signal })
    return { security_events: deleted }
  })
}, { name: 'security-events-retention', dependencies: ['env', 'security-events-repository', 'periodic-sweeps'] })
