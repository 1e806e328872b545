// The retention sweep of security events: those older than SECURITY_EVENT_RETENTION are deleted in
// batches, resting between two, through the one periodic-sweeps mechanism.
import fp from 'fastify-plugin'
import { inBatches } from '../retention/periodic-sweeps.js'
import { SWEEP_REST_FACTOR, sessionSweepBatch } from '../sessions/retention.js'

export const SECURITY_EVENTS_SWEEP = 'security events'

export default fp(async function securityEventsRetention (fastify) {
  const retention = fastify.config.SECURITY_EVENT_RETENTION
  const events = fastify.securityEventsRepository
  // Embedded, a batch runs on the event loop: as small as the sessions sweep's.
  const batchSize = sessionSweepBatch(fastify.config.DATABASE_URL === '')
  fastify.periodicSweeps.add(SECURITY_EVENTS_SWEEP, async (signal) => {
    const { deleted } = await inBatches(() => events.deleteOlderThan(retention, batchSize), batchSize, SWEEP_REST_FACTOR, signal)
    return { security_events: deleted }
  })
}, { name: 'security-events-retention', dependencies: ['env', 'security-events-repository', 'periodic-sweeps'] })
