// HTTP written by hand over a TCP socket, for what fetch and inject cannot send: malformed
// requests, repeated headers, a body that never comes. The server under test listens on 127.0.0.1.
import net, { type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  // Milliseconds from sending the request to the server closing the connection.
  closedAfter: number
}

type Test = { teardown (fn: () => unknown): void }

export async function listen (t: Test, app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return (app.server.address() as AddressInfo).port
}

function parse (raw: string, closedAfter: number): RawResponse {
  const end = raw.indexOf('\r\n\r\n')
  if (end < 0) throw new Error(`no complete response: ${JSON.stringify(raw)}`)
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4), closedAfter }
}

// Sends `request` as it is and reads until the server closes the connection (send
// `Connection: close` in a well-formed request so that it does).
export async function rawRequest (port: number, request: string): Promise<RawResponse> {
  const socket = net.connect(port, '127.0.0.1')
  const started = Date.now()
  let raw = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { raw += chunk })
  await new Promise<void>((resolve, reject) => {
    socket.on('close', () => resolve())
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err) })
    socket.write(request, 'latin1')
  })
  return parse(raw, Date.now() - started)
}

// A request line and headers, each line ended by CRLF, then the blank line.
export const head = (...lines: string[]): string => lines.map((line) => `${line}\r\n`).join('') + '\r\n'
