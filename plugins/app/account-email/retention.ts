// The retention sweep of the tables this feature grows: expired one-time tokens, and outbox messages
// settled (sent or failed) more than a week ago. Hourly, by one instance at a time (an advisory lock).
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../../db/types.js'
import { createAccountTokensRepository } from './account-tokens-repository.js'
import { createOutboxRepository } from '../mail/outbox-repository.js'

const SWEEP_INTERVAL_MS = 3_600_000
// Long enough for an operator to look into a failed delivery.
export const SETTLED_MAIL_RETENTION_SECONDS = 7 * 86_400

// Both deletes, or none while another instance is sweeping; undefined when it was.
export async function sweepAccountEmail (db: Kysely<Database>): Promise<{ tokens: number, mails: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext('bookly account email retention')) as locked`.execute(trx)
    if (rows[0]?.locked !== true) return undefined
    const tokens = await createAccountTokensRepository(trx).sweep()
    const mails = await createOutboxRepository(trx).sweep(SETTLED_MAIL_RETENTION_SECONDS)
    return { tokens, mails }
  })
}

export default fp(async function accountEmailRetention (fastify) {
  const timer = setInterval(() => {
    sweepAccountEmail(fastify.db).then(
      (swept) => { if (swept !== undefined) fastify.log.debug(swept, 'account e-mail rows swept') },
      (err: unknown) => fastify.log.warn({ err }, 'account e-mail sweep failed')
    )
  }, SWEEP_INTERVAL_MS)
  timer.unref()
  fastify.addHook('onClose', async () => { clearInterval(timer) })
}, { name: 'account-email-retention', dependencies: ['db'] })
