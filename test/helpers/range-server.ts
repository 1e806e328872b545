// A local stand-in for a Have-I-Been-Pwned-style range API on 127.0.0.1: it records every request
// and answers as the test says, for the password policy's breach check.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

type Test = { teardown (fn: () => unknown): void }

// A status and body, or no answer at all (a server that hangs).
export type RangeAnswer = { status?: number, body: string } | 'hang'

export interface RangeServer {
  // The base URL the prefix is appended to.
  url: string
  requests: Array<{ url: string, headers: IncomingHttpHeaders }>
  // What the next requests get, from the 5-character prefix asked for.
  answer: (prefix: string) => RangeAnswer
}

export const sha1Hex = (password: string) => createHash('sha1').update(password).digest('hex').toUpperCase()

// An answer's lines for a prefix: each listed suffix with its count, CRLF-separated as HIBP sends them.
export const rangeBody = (entries: Array<[suffix: string, count: number]>) =>
  entries.map(([suffix, count]) => `${suffix}:${count}`).join('\r\n')

// A random suffix: another password of the same prefix (padding, or someone else's breach).
export const someSuffix = () => randomBytes(18).toString('hex').toUpperCase().slice(0, 35)

export async function startRangeServer (t: Test): Promise<RangeServer> {
  const range: RangeServer = { url: '', requests: [], answer: () => ({ body: '' }) }
  const server = createServer((req, res) => {
    range.requests.push({ url: req.url ?? '', headers: req.headers })
    const answer = range.answer((req.url ?? '').split('/').at(-1) ?? '')
    if (answer === 'hang') return
    res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' }).end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  range.url = `http://127.0.0.1:${port}/range/`
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return range
}
