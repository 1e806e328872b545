// Hands one message over: to the SMTP server SMTP_URL names (nodemailer), or, with no SMTP_URL, to an
// .eml file under DATA_DIR/outbox/ that a developer opens to click the link.
import fp from 'fastify-plugin'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

export interface OutgoingMail {
  id: string
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  // Resolves once the SMTP server accepted the message (or the file is written); rejects otherwise.
  send (mail: OutgoingMail): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    mailer: Mailer
  }
}

// A server that stops answering fails the attempt, which is retried, instead of holding it for minutes.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }

export default fp(async function mailer (fastify) {
  const { SMTP_URL, MAIL_FROM, DATA_DIR } = fastify.config
  const transport = SMTP_URL
    ? nodemailer.createTransport({ url: SMTP_URL, pool: true, maxConnections: 2, ...SMTP_TIMEOUTS })
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  fastify.addHook('onClose', async () => { transport.close() })
  const outbox = join(DATA_DIR, 'outbox')

  fastify.decorate('mailer', {
    async send (mail) {
      const info = await transport.sendMail({
        from: MAIL_FROM,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // The outbox id, so a message delivered twice after a crash is recognisable as one.
        messageId: `<${mail.id}@bookly>`
      })
      if (SMTP_URL) return
      await mkdir(outbox, { recursive: true })
      const file = join(outbox, `${mail.id}.eml`)
      await writeFile(file, info.message as Buffer)
      fastify.log.info({ file }, 'mail written (no SMTP_URL)')
    }
  } satisfies Mailer)
}, { name: 'mailer', dependencies: ['env'] })
