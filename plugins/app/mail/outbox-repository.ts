// The mail outbox: small functions over Kysely. Messages with a token are queued by the statement
// that issues it (account-tokens-repository.ts), notices by queue(); these claim, settle and sweep them.
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database, OutboxMessage } from '../../../db/types.js'
import type { MailContent } from '../account-email/account-tokens-repository.js'

const secondsFromNow = (seconds: number) => sql<Date>`now() + make_interval(secs => ${seconds})`

// A sent or abandoned message keeps its metadata but no longer its link.
const erased = { subject: null, text_body: null, html_body: null }

export function createOutboxRepository (db: Kysely<Database>) {
  return {
    // A message that no token goes with (a notice); the insert's trigger wakes the sender.
    async queue (kind: string, recipient: string, mail: MailContent): Promise<void> {
      await db.insertInto('mail_outbox')
        .values({ kind, recipient, subject: mail.subject, text_body: mail.text, html_body: mail.html })
        .execute()
    },

    // Claims up to `limit` due messages in one statement: each gets one attempt more and a lease
    // (next_attempt_at moved `leaseSeconds` ahead) that keeps every other claim off it while it is
    // being delivered. SKIP LOCKED lets concurrent claims from several instances take different rows.
    claim (limit: number, leaseSeconds: number): Promise<OutboxMessage[]> {
      return db
        .with('due', (qb) => qb.selectFrom('mail_outbox').select('id')
          .where('sent_at', 'is', null)
          .where('failed_at', 'is', null)
          .where('next_attempt_at', '<=', sql<Date>`now()`)
          .orderBy('next_attempt_at')
          .limit(limit)
          .forUpdate()
          .skipLocked())
        .updateTable('mail_outbox')
        .from('due')
        .set({ attempts: sql`mail_outbox.attempts + 1`, next_attempt_at: secondsFromNow(leaseSeconds) })
        .whereRef('mail_outbox.id', '=', 'due.id')
        .returningAll('mail_outbox')
        .execute()
    },

    async sent (id: string): Promise<void> {
      await db.updateTable('mail_outbox').set({ ...erased, sent_at: sql`now()`, last_error: null }).where('id', '=', id).execute()
    },

    async retryLater (id: string, delaySeconds: number, error: string): Promise<void> {
      await db.updateTable('mail_outbox').set({ next_attempt_at: secondsFromNow(delaySeconds), last_error: error }).where('id', '=', id).execute()
    },

    async failed (id: string, error: string): Promise<void> {
      await db.updateTable('mail_outbox').set({ ...erased, failed_at: sql`now()`, last_error: error }).where('id', '=', id).execute()
    },

    // Seconds until the earliest pending message is due (0 when one is due now); undefined when none waits.
    async secondsUntilNextDue (): Promise<number | undefined> {
      const row = await db.selectFrom('mail_outbox')
        .select(sql<number | null>`extract(epoch from min(next_attempt_at) - now())::float8`.as('seconds'))
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .executeTakeFirst()
      return row?.seconds == null ? undefined : Math.max(0, row.seconds)
    },

    // Deletes messages settled (sent or failed) more than `seconds` ago; returns how many.
    async sweep (seconds: number): Promise<number> {
      const result = await db.deleteFrom('mail_outbox')
        .where((eb) => eb.or([
          eb('sent_at', '<', sql<Date>`now() - make_interval(secs => ${seconds})`),
          eb('failed_at', '<', sql<Date>`now() - make_interval(secs => ${seconds})`)
        ]))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    }
  }
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>

declare module 'fastify' {
  interface FastifyInstance {
    outboxRepository: OutboxRepository
  }
}

export default fp(async function outboxRepository (fastify) {
  fastify.decorate('outboxRepository', createOutboxRepository(fastify.db))
}, { name: 'outbox-repository', dependencies: ['db'] })
