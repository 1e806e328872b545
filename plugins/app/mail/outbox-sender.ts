// The background sender: drains the mail outbox whenever a message is queued (NOTIFY mail_outbox,
// from any instance), when a retry falls due, and at start, so a restart resends what was pending.
// Delivery is at least once: a message is settled only after the server accepted it, and a claim's
// lease keeps every other instance off it meanwhile; it is exactly once unless an instance dies
// between the server's acceptance and recording it.
import fp from 'fastify-plugin'
import type { OutboxMessage } from '../../../db/types.js'

const CHANNEL = 'mail_outbox'
const BATCH = 10
// Longer than the mailer's SMTP timeouts together, so a lease never ends while its delivery runs.
const LEASE_SECONDS = 120
const MAX_RETRY_DELAY_SECONDS = 3600
// Even with nothing due, look again this often (a message whose lease an instance that died still held).
const IDLE_CHECK_MS = 60_000
// The database unreachable: try again after this long.
const DATABASE_RETRY_MS = 5000

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500)

export default fp(async function outboxSender (fastify) {
  const { mailer, outboxRepository: outbox, log } = fastify
  const { MAIL_MAX_ATTEMPTS, MAIL_RETRY_DELAY } = fastify.config

  let draining: Promise<void> | undefined
  let again = false
  let closed = false
  let timer: NodeJS.Timeout | undefined

  const retryDelay = (attempts: number) => Math.min(MAIL_RETRY_DELAY * 2 ** (attempts - 1), MAX_RETRY_DELAY_SECONDS)

  const deliver = async (message: OutboxMessage) => {
    const about = { mail: message.id, kind: message.kind, attempt: message.attempts }
    try {
      if (message.subject === null || message.text_body === null || message.html_body === null) throw new Error('message body is missing')
      await mailer.send({ id: message.id, to: message.recipient, subject: message.subject, text: message.text_body, html: message.html_body })
    } catch (err) {
      if (message.attempts >= MAIL_MAX_ATTEMPTS) {
        await outbox.failed(message.id, errorText(err))
        log.error({ ...about, err }, 'mail not delivered: attempts used up, marked failed')
      } else {
        const delay = retryDelay(message.attempts)
        await outbox.retryLater(message.id, delay, errorText(err))
        log.warn({ ...about, err, retryIn: delay }, 'mail not delivered yet; will retry')
      }
      return
    }
    await outbox.sent(message.id)
    log.info(about, 'mail sent')
  }

  const schedule = (ms: number) => {
    clearTimeout(timer)
    if (closed) return
    timer = setTimeout(wake, Math.min(ms, IDLE_CHECK_MS))
    timer.unref()
  }

  // Claims and delivers batches until nothing is due (or the app closes: what it claimed, it delivers).
  const deliverDue = async () => {
    for (;;) {
      const batch = await outbox.claim(BATCH, LEASE_SECONDS)
      if (batch.length === 0) return
      await Promise.all(batch.map(deliver))
      if (closed) return
    }
  }

  const drain = async () => {
    try {
      await deliverDue()
      const seconds = await outbox.secondsUntilNextDue()
      schedule(seconds === undefined ? IDLE_CHECK_MS : seconds * 1000)
    } catch (err) {
      log.warn({ err }, 'mail outbox unreachable; will retry')
      schedule(DATABASE_RETRY_MS)
    }
  }

  function wake (): void {
    if (closed) return
    if (draining !== undefined) {
      again = true
      return
    }
    again = false
    draining = drain().finally(() => {
      draining = undefined
      // Woken while that drain ran: go again, in case it had already looked.
      if (again) wake()
    })
  }

  // Subscribing drains once (onConnected), and again after every reconnect of the listener.
  const unlisten = await fastify.notifications.listen(CHANNEL, wake, async () => { wake() })

  fastify.addHook('onClose', async () => {
    closed = true
    clearTimeout(timer)
    await unlisten()
    await draining
  })
}, { name: 'outbox-sender', dependencies: ['env', 'db', 'mailer', 'outbox-repository'] })
