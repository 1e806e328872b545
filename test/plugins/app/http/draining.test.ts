import net from 'node:net'
import { test } from 'tap'
import { build } from '../../../helper.js'
import { head, listen } from '../../../helpers/raw-http.js'
import { waitFor } from '../../../helpers/wait-for.js'

test('a request that arrives while the server closes gets 503 in the error shape, with the security headers', async (t) => {
  let entered: () => void = () => {}
  const inFlight = new Promise<void>((resolve) => { entered = resolve })
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  let refused: () => void = () => {}
  const secondRefused = new Promise<void>((resolve) => { refused = resolve })
  const app = await build(t, {
    setup: (app) => {
      app.get('/test/held', async () => {
        entered()
        await released
        return { held: true }
      })
      app.addHook('onError', (request, _reply, _error, done) => {
        if (request.url === '/health') refused()
        done()
      })
    }
  })
  const port = await listen(t, app)

  // A busy keep-alive connection stays open while the server closes; its next request comes after
  // close() has begun (the server has stopped listening).
  const socket = net.connect(port, '127.0.0.1')
  let raw = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { raw += chunk })
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.write(head('GET /test/held HTTP/1.1', 'Host: x'))
  await inFlight
  const closed = app.close()
  t.ok(await waitFor(() => !app.server.listening), 'the server stops listening')
  socket.write(head('GET /health HTTP/1.1', 'Host: x'))
  await Promise.race([secondRefused, ended])
  release()
  await ended
  await closed

  const [first = '', second = ''] = raw.split(/(?=HTTP\/1\.1 )/)
  t.match(first, /^HTTP\/1\.1 200 /, 'the request in flight completes')
  t.match(second, /^HTTP\/1\.1 503 /, 'the one after it is refused')
  const [headers = '', body = ''] = second.split('\r\n\r\n')
  t.same(Object.keys(JSON.parse(body)).sort(), ['error', 'error_code', 'message', 'statusCode'])
  t.match(JSON.parse(body), { statusCode: 503, error_code: 'service_unavailable' })
  t.match(headers, /\r\nretry-after: 1\r\n/i)
  t.match(headers, /\r\nconnection: close\r\n/i)
  for (const [name, value] of Object.entries(app.securityHeaders)) {
    t.ok(headers.toLowerCase().includes(`\r\n${name.toLowerCase()}: ${value.toLowerCase()}`), `${name} is sent`)
  }
})
