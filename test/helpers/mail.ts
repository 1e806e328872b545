// Apps that deliver their mail to a test's own SMTP server, each on a database of its own, so the
// outbox holds only what the test itself queued.
import type { FastifyInstance } from 'fastify'
import { build, type BuildOptions, type ConfigValues } from '../helper.js'
import { freshDatabase, type TestDatabase } from './databases.js'
import { startSmtpServer, type Inbox } from './smtp.js'

type Test = Parameters<typeof build>[0]

export interface MailApp {
  app: FastifyInstance
  inbox: Inbox
  database: TestDatabase
}

export async function buildWithInbox (t: Test, config: ConfigValues = {}, opts: BuildOptions = {}): Promise<MailApp> {
  const inbox = await startSmtpServer(t)
  const database = opts.database ?? await freshDatabase()
  const app = await build(t, { ...opts, database, config: { SMTP_URL: inbox.url, MAIL_RETRY_DELAY: 0.05, ...config } })
  return { app, inbox, database }
}

// Outbox rows not yet sent nor failed.
export async function pendingMails (app: FastifyInstance): Promise<number> {
  const row = await app.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('sent_at', 'is', null).where('failed_at', 'is', null).executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function queuedMailsTo (app: FastifyInstance, recipient: string): Promise<number> {
  const row = await app.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('recipient', '=', recipient).executeTakeFirstOrThrow()
  return Number(row.n)
}
