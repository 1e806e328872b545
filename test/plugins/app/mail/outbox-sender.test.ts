import { test } from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { simpleParser } from 'mailparser'
import { build } from '../../../helper.js'
import { connect } from '../../../../db/connect.js'
import { freshDatabase } from '../../../helpers/databases.js'
import { buildWithInbox, pendingMails } from '../../../helpers/mail.js'
import { startSmtpServer, linkIn, tokenIn } from '../../../helpers/smtp.js'
import { signupBody } from '../../../helpers/fixtures.js'
import { waitFor } from '../../../helpers/wait-for.js'
import { ACCOUNT_EMAIL_SWEEP, SETTLED_MAIL_RETENTION_SECONDS } from '../../../../plugins/app/account-email/retention.js'
import type { FastifyInstance } from 'fastify'

const signup = (app: FastifyInstance, overrides: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody(overrides) })

const outboxRow = (app: FastifyInstance) => app.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()

// A port where no SMTP server listens (yet): one is started there and stopped again.
async function silentPort (t: Parameters<typeof startSmtpServer>[0]): Promise<number> {
  const server = await startSmtpServer(t)
  await server.close()
  return server.port
}

test('SMTP down while mail is requested, then up: the mail waits, is retried, and is delivered exactly once', async (t) => {
  const port = await silentPort(t)
  const logLines: string[] = []
  const app = await build(t, { database: await freshDatabase(), logLines, config: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_RETRY_DELAY: 0.05 } })
  t.equal((await signup(app)).statusCode, 201, 'signup answers as usual while the mail cannot go out')
  t.ok(await waitFor(async () => (await outboxRow(app)).attempts >= 2, 10_000), 'attempted and retried')
  const waiting = await outboxRow(app)
  t.equal(waiting.sent_at, null)
  t.match(waiting.last_error, /ECONNREFUSED/)
  t.ok(logLines.some((line) => line.includes('will retry')), 'each failure is logged')

  const inbox = await startSmtpServer(t, { port })
  const [mail] = await inbox.waitForMessages(1)
  t.ok(await waitFor(async () => (await outboxRow(app)).sent_at !== null, 5000), 'recorded as sent')
  t.equal(await pendingMails(app), 0, 'nothing left to deliver')
  t.equal(inbox.messages.length, 1, 'delivered once')
  const sent = await outboxRow(app)
  t.equal(mail?.messageId, `<${sent.id}@bookly>`)
  t.same([sent.subject, sent.text_body, sent.html_body], [null, null, null], 'the delivered message, link and all, is erased from the outbox')
})

test('attempts used up: the message is marked failed, its body erased, and the failure logged', async (t) => {
  const port = await silentPort(t)
  const logLines: string[] = []
  const app = await build(t, { database: await freshDatabase(), logLines, config: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_RETRY_DELAY: 0.01, MAIL_MAX_ATTEMPTS: 3 } })
  await signup(app)
  t.ok(await waitFor(async () => (await outboxRow(app)).failed_at !== null, 10_000), 'marked failed')
  const row = await outboxRow(app)
  t.equal(row.attempts, 3)
  t.same([row.subject, row.text_body, row.html_body], [null, null, null])
  const failure = logLines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'mail not delivered: attempts used up, marked failed')
  t.equal(failure?.level, 50, 'logged as an error')
  t.equal(failure?.mail, row.id)

  // A server that comes back later changes nothing for it.
  const inbox = await startSmtpServer(t, { port })
  await signup(app)
  await inbox.waitForMessages(1)
  t.equal(inbox.messages.length, 1, 'only the new message')
})

test('a restart sends what was pending', async (t) => {
  const port = await silentPort(t)
  const database = await freshDatabase()
  const first = await build(t, { database, config: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_RETRY_DELAY: 3600 } })
  await signup(first)
  t.ok(await waitFor(async () => (await outboxRow(first)).attempts === 1, 5000), 'one attempt failed')
  await first.close()

  // As after a night: the retry is due when the next instance starts.
  const inbox = await startSmtpServer(t)
  const handle = await connect({ databaseUrl: database.DATABASE_URL, dataDir: '', pglite: database.pglite })
  await handle.db.updateTable('mail_outbox').set({ next_attempt_at: sql`now()` }).execute()
  await handle.close()
  const second = await build(t, { database, config: { SMTP_URL: inbox.url } })
  const [mail] = await inbox.waitForMessages(1)
  t.match(linkIn(mail!), /\/api\/v1\/auth\/verify\//)
  t.ok(await waitFor(async () => (await outboxRow(second)).sent_at !== null, 5000))
})

test('two instances on one database deliver each message exactly once', async (t) => {
  const COUNT = 60
  const database = await freshDatabase()
  const handle = await connect({ databaseUrl: database.DATABASE_URL, dataDir: '', pglite: database.pglite })
  await handle.db.insertInto('mail_outbox').values(Array.from({ length: COUNT }, (_, i) => ({
    kind: 'verify_email', recipient: `reader${i}@example.com`, subject: `message ${i}`, text_body: `text ${i}`, html_body: `<p>html ${i}</p>`
  }))).execute()
  await handle.close()

  // A slow server, so that both instances are still draining when the other starts.
  const inbox = await startSmtpServer(t, { acceptDelayMs: 50 })
  const logs: [string[], string[]] = [[], []]
  const apps = await Promise.all(logs.map((logLines) => build(t, { database, logLines, config: { SMTP_URL: inbox.url } })))
  await inbox.waitForMessages(COUNT, 30_000)
  t.ok(await waitFor(async () => await pendingMails(apps[0]!) === 0, 10_000), 'every message settled')
  t.equal(inbox.messages.length, COUNT, `${COUNT} messages delivered`)
  t.equal(new Set(inbox.messages.map((mail) => mail.subject)).size, COUNT, 'each one once')
  const sentBy = logs.map((lines) => lines.filter((line) => line.includes('"mail sent"')).length)
  t.equal(sentBy[0]! + sentBy[1]!, COUNT)
  t.ok(sentBy.every((n) => n > 0), `both instances delivered (${sentBy.join(' + ')})`)
})

test('no SMTP_URL: each message is an .eml file under DATA_DIR/outbox/, and the log names the file, not the link', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { database: await freshDatabase(), logLines, config: { SMTP_URL: '' } })
  const outbox = join(app.config.DATA_DIR, 'outbox')
  await signup(app)
  const row = await app.db.selectFrom('mail_outbox').select('id').executeTakeFirstOrThrow()
  const file = join(outbox, `${row.id}.eml`)
  t.ok(await waitFor(async () => existsSync(file) && (await outboxRow(app)).sent_at !== null, 5000), 'written and recorded as sent')
  t.ok(readdirSync(outbox).includes(`${row.id}.eml`))
  const mail = await simpleParser(readFileSync(file))
  const token = tokenIn(mail)
  t.equal(token.length, 43)
  t.ok(typeof mail.html === 'string' && mail.html.includes(token), 'both parts')
  const written = logLines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'mail written (no SMTP_URL)')
  t.equal(written?.file, file)
  t.notOk(logLines.some((line) => line.includes(token)), 'the token is in no log line')
})

test('the retention sweep deletes expired tokens and settled mail past the retention, and nothing else', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  await signup(app)
  await signup(app)
  await inbox.waitForMessages(2)
  t.ok(await waitFor(async () => await pendingMails(app) === 0, 5000))
  const [old, recent] = await app.db.selectFrom('mail_outbox').select('id').execute()
  await app.db.updateTable('mail_outbox').set({ sent_at: sql`now() - make_interval(secs => ${SETTLED_MAIL_RETENTION_SECONDS + 60})` }).where('id', '=', old!.id).execute()
  const [expired] = await app.db.selectFrom('account_tokens').select('token_hash').execute()
  await app.db.updateTable('account_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('token_hash', '=', expired!.token_hash).execute()

  t.same(await app.periodicSweeps.run(ACCOUNT_EMAIL_SWEEP), { tokens: 1, mails: 1 })
  t.same((await app.db.selectFrom('mail_outbox').select('id').execute()).map((row) => row.id), [recent!.id])
  t.equal((await app.db.selectFrom('account_tokens').select('token_hash').execute()).length, 1)
  t.same(await app.periodicSweeps.run(ACCOUNT_EMAIL_SWEEP), { tokens: 0, mails: 0 }, 'nothing more to sweep')
})
