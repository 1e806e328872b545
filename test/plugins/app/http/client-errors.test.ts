import { test, type Test } from 'tap'
import { build } from '../../../helper.js'
import { signupBody, uniqueEmail } from '../../../helpers/fixtures.js'
import { head, listen, rawRequest, type RawResponse } from '../../../helpers/raw-http.js'

const SECRET = 'Bearer-secret-in-the-request-0123456789abcdef'

// The DESIGN error shape, and the same security headers as an answer from a route.
function followsContract (t: Test, res: RawResponse, statusCode: number, errorCode: string, securityHeaders: Readonly<Record<string, string>>) {
  t.equal(res.status, statusCode, errorCode)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(Object.keys(JSON.parse(res.body)).sort(), ['error', 'error_code', 'message', 'statusCode'])
  t.match(JSON.parse(res.body), { statusCode, error_code: errorCode })
  t.match(res.headers, securityHeaders, 'the security headers')
  t.notOk(res.body.includes(SECRET), 'the message quotes nothing of the request')
}

test('malformed HTTP gets 400 and oversized headers 431, in the error shape with the security headers', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { logLines })
  const port = await listen(t, app)
  t.ok(Object.keys(app.securityHeaders).length >= 7, 'the headers every response carries')

  followsContract(t, await rawRequest(port, head(`GET /health?token=${SECRET} HTTP/1.1 extra`, 'Host: x')), 400, 'bad_request', app.securityHeaders)
  followsContract(t, await rawRequest(port, head('GET /health HTTP/1.1', 'Host: x', `Bad Header: ${SECRET}`)), 400, 'bad_request', app.securityHeaders)
  followsContract(t, await rawRequest(port, head('GET /health HTTP/1.1', 'Host: x', `Authorization: ${SECRET}`, `X-Big: ${'a'.repeat(20_000)}`)), 431, 'headers_too_large', app.securityHeaders)

  // A route's own answer carries the very same headers.
  const health = await rawRequest(port, head('GET /health HTTP/1.1', 'Host: x', 'Connection: close'))
  t.equal(health.status, 200)
  t.match(health.headers, app.securityHeaders)
  t.notOk(logLines.join('').includes(SECRET), 'no log line holds the bytes of a malformed request')
})

test('URLs the router cannot take apart: 400 and 414 in the error shape, no URL quoted', async (t) => {
  const app = await build(t)
  const port = await listen(t, app)
  followsContract(t, await rawRequest(port, head(`GET /api/v1/books/%zz?token=${SECRET} HTTP/1.1`, 'Host: x', 'Connection: close')), 400, 'bad_request', app.securityHeaders)
  followsContract(t, await rawRequest(port, head(`GET /api/v1/auth/verify/${'a'.repeat(101)}?token=${SECRET} HTTP/1.1`, 'Host: x', 'Connection: close')), 414, 'uri_too_long', app.securityHeaders)
})

test('a body that never arrives gets 408 in the error shape after REQUEST_TIMEOUT, and nothing is stored', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { logLines, config: { REQUEST_TIMEOUT: 400, HEADERS_TIMEOUT: 200 } })
  const port = await listen(t, app)
  const email = uniqueEmail('slow')
  const body = JSON.stringify(signupBody({ email }))
  // The headers and half the body, then silence.
  const slow = await rawRequest(port, head('POST /api/v1/auth/signup HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${body.length}`) + body.slice(0, body.length / 2))
  followsContract(t, slow, 408, 'request_timeout', app.securityHeaders)
  t.equal(slow.headers.connection, 'close')
  t.equal(await app.db.selectFrom('users').select('uid').where('email', '=', email).executeTakeFirst(), undefined, 'no account was made')

  // Headers announcing a body, and no body at all.
  followsContract(t, await rawRequest(port, head('POST /api/v1/auth/login HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 60')), 408, 'request_timeout', app.securityHeaders)

  // Headers that never end meet HEADERS_TIMEOUT.
  followsContract(t, await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n'), 408, 'request_timeout', app.securityHeaders)

  // And the server still answers.
  t.equal((await rawRequest(port, head('GET /health HTTP/1.1', 'Host: x', 'Connection: close'))).status, 200)
  const warnings = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 40)
  t.same(warnings, [], 'a client that went silent is no warning (nor a database outage)')
})

test('the timeouts reach the HTTP server; an idle keep-alive connection is closed', async (t) => {
  const app = await build(t, { config: { REQUEST_TIMEOUT: 5000, HEADERS_TIMEOUT: 9000, KEEP_ALIVE_TIMEOUT: 300 } })
  const port = await listen(t, app)
  t.equal(app.server.requestTimeout, 5000)
  t.equal(app.server.headersTimeout, 5000, 'capped at REQUEST_TIMEOUT')
  t.equal(app.server.keepAliveTimeout, 300)
  // No Connection: close, so only the keep-alive timeout ends the connection.
  const res = await rawRequest(port, head('GET /health HTTP/1.1', 'Host: x'))
  t.equal(res.status, 200, 'answered, then the connection closed by the server')
})

test('the defaults are documented: request 30 s, headers 10 s, keep-alive 72 s', async (t) => {
  const app = await build(t)
  t.equal(app.config.REQUEST_TIMEOUT, 30_000)
  t.equal(app.config.HEADERS_TIMEOUT, 10_000)
  t.equal(app.config.KEEP_ALIVE_TIMEOUT, 72_000)
  t.equal(app.server.requestTimeout, 30_000)
  t.equal(app.server.headersTimeout, 10_000)
  t.equal(app.server.keepAliveTimeout, 72_000)
})
