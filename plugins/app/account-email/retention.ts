// The retention sweep of the tables this feature grows: expired one-time tokens, and outbox messages
// settled (sent or failed) more than a week ago. Run by the periodic sweeps (one instance at a time).
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/types.js'
import { createAccountTokensRepository } from './account-tokens-repository.js'
import { createOutboxRepository } from '../mail/outbox-repository.js'

export const ACCOUNT_EMAIL_SWEEP = 'account email'
// Long enough for an operator to look into a failed delivery.
export const SETTLED_MAIL_RETENTION_SECONDS = 7 * 86_400

export async function sweepAccountEmail (db: Kysely<Database>): Promise<{ tokens: number, mails: number }> {
  const tokens = await createAccountTokensRepository(db).sweep()
  const mails = await createOutboxRepository(db).sweep(SETTLED_MAIL_RETENTION_SECONDS)
  return { tokens, mails }
}

export default fp(async function accountEmailRetention (fastify) {
  fastify.periodicSweeps.add(ACCOUNT_EMAIL_SWEEP, () => sweepAccountEmail(fastify.db))
}, { name: 'account-email-retention', dependencies: ['db', 'periodic-sweeps'] })
