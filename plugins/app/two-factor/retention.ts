// The retention sweep of login tickets: an expired one answers like an unknown one, so it goes, in
// batches, through the one periodic-sweeps mechanism.
import fp from 'fastify-plugin'
import { inBatches, sweepBatch } from '../retention/periodic-sweeps.js'

export const MFA_TICKETS_SWEEP = 'mfa tickets'

export default fp(async function twoFactorRetention (fastify) {
  const repo = fastify.twoFactorRepository
  const batchSize = sweepBatch(fastify.config.DATABASE_URL === '')
  fastify.periodicSweeps.add(MFA_TICKETS_SWEEP, async (signal) => {
    const { deleted } = await inBatches(() => repo.deleteExpiredTickets(batchSize), { batchSize, signal })
    return { mfa_tickets: deleted }
  })
}, { name: 'two-factor-retention', dependencies: ['env', 'two-factor-repository', 'periodic-sweeps'] })
