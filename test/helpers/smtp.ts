// A real SMTP server for tests: smtp-server on 127.0.0.1, every accepted message parsed by mailparser.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { waitFor } from './wait-for.js'

type Test = { teardown (fn: () => unknown): void }

export interface Inbox {
  port: number
  // What SMTP_URL is set to for an app that should deliver here.
  url: string
  messages: ParsedMail[]
  // The messages once at least `count` have arrived; throws if they do not within `ms`.
  waitForMessages (count: number, ms?: number): Promise<ParsedMail[]>
  close (): Promise<void>
}

export interface SmtpServerOptions {
  // 0 (any free port) unless a test brings a server back on the port an app already uses.
  port?: number
  // Holds every message this long before accepting it, as a slow server would.
  acceptDelayMs?: number
}

export async function startSmtpServer (t: Test, opts: SmtpServerOptions = {}): Promise<Inbox> {
  const messages: ParsedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no certificate for the client to check.
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Closing cuts the connections an app's mail pool keeps open, instead of waiting 30 s for them to quit.
    closeTimeout: 50,
    onData (stream, _session, callback) {
      simpleParser(stream).then(async (mail) => {
        if (opts.acceptDelayMs) await new Promise((resolve) => setTimeout(resolve, opts.acceptDelayMs))
        messages.push(mail)
        callback()
      }, callback)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  let closed: Promise<void> | undefined
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())))
  t.teardown(close)
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitForMessages (count, ms = 10_000) {
      if (!await waitFor(() => messages.length >= count, ms)) throw new Error(`${messages.length} of ${count} messages arrived within ${ms} ms`)
      return messages
    },
    close
  }
}

// The first link in a message's text part.
export function linkIn (mail: ParsedMail): string {
  const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0]
  if (link === undefined) throw new Error(`no link in: ${mail.text}`)
  return link
}

// The token a link carries: the last path segment of a verification link, `token` in a reset link's fragment.
export function tokenIn (mail: ParsedMail): string {
  const url = new URL(linkIn(mail))
  return new URLSearchParams(url.hash.slice(1)).get('token') ?? url.pathname.split('/').pop() ?? ''
}

// Addresses of a parsed To or From header.
export function addresses (field: ParsedMail['to'] | ParsedMail['from']): string[] {
  return [field ?? []].flat().flatMap((group) => group.value.map((address) => address.address ?? ''))
}
