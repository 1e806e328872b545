import { test } from 'tap'
import Fastify from 'fastify'
import { build, testConfig } from './helper.js'
import { signupBody, bearer, uniqueEmail } from './helpers/fixtures.js'
import { loggedPath, serverOptions } from '../app.js'
import { buildWithInbox } from './helpers/mail.js'
import { tokenIn } from './helpers/smtp.js'

test('logs carry no password, hash or token, through a whole session of use', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { logLines })
  const password = 'never-log-this-password-1'
  const newPassword = 'never-log-this-password-2'
  const wrongPassword = 'never-log-this-wrong-guess'
  const body = signupBody({ password, email: uniqueEmail('Redact').toUpperCase() })
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: wrongPassword } })).statusCode, 403)
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password } })
  const { access_token: access, refresh_token: refresh, user } = login.json()
  const rotated = (await app.inject({ method: 'GET', url: '/api/v1/auth/refresh_token', headers: bearer(refresh) })).json()
  const change = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/change_password?token=' + access,
    headers: { ...bearer(rotated.access_token), cookie: `session=${refresh}` },
    payload: { current_password: password, new_password: newPassword }
  })
  t.equal(change.statusCode, 200)
  // A careless log call in future code is caught by the redact paths.
  app.log.info({ body: { password, access_token: access }, refresh_token: refresh, headers: { authorization: `Bearer ${access}` } }, 'careless')

  const log = logLines.join('')
  t.ok(logLines.length > 10, `${logLines.length} log lines captured`)
  for (const secret of [password, newPassword, wrongPassword, access, refresh, rotated.access_token, rotated.refresh_token, '$argon2id$']) {
    t.notOk(log.includes(secret), `no log line contains ${secret.slice(0, 12)}...`)
  }
  const careless = logLines.map((line) => JSON.parse(line)).find((line) => line.msg === 'careless')
  t.same(careless.body, { password: '[redacted]', access_token: '[redacted]' })
  t.equal(careless.refresh_token, '[redacted]')
  t.equal(careless.headers.authorization, '[redacted]')

  const entries = logLines.map((line) => JSON.parse(line))
  t.ok(entries.find((e) => e.msg === 'login failed' && e.email === body.email.toLowerCase()), 'failure logged with the normalised e-mail')
  t.ok(entries.find((e) => e.msg === 'login succeeded' && e.user === user.uid), 'success logged with the user id')
  t.ok(entries.every((e) => e.msg !== 'incoming request' || typeof e.reqId === 'string'), 'requests are logged with their ids')
})

test('one-time tokens reach no log line, request lines included, whether a route matched or not', async (t) => {
  const logLines: string[] = []
  const { app, inbox } = await buildWithInbox(t, {}, { logLines })
  const body = signupBody()
  await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  const verifyToken = tokenIn((await inbox.waitForMessages(1))[0]!)
  await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: body.email } })
  const resetToken = tokenIn((await inbox.waitForMessages(2))[1]!)

  const requests = [
    { url: `/api/v1/auth/verify/${verifyToken}`, status: 200 },
    { url: `/api/v1/auth/verify/${verifyToken}/extra`, status: 404 },
    { url: `/api/v1/auth/verify/${verifyToken}?again=${verifyToken}`, status: 200 },
    { method: 'POST' as const, url: `/api/v1/auth/password-reset-confirm/${resetToken}`, payload: { new_password: 'first choice here', confirm_new_password: 'x' }, status: 400 },
    { method: 'POST' as const, url: `/api/v1/auth/password-reset-confirm/${resetToken}`, payload: { new_password: 'short' }, status: 422 },
    { method: 'POST' as const, url: `/api/v1/auth/password-reset-confirm/${resetToken}`, payload: { new_password: 'first choice here', confirm_new_password: 'first choice here' }, status: 200 },
    { method: 'POST' as const, url: `/api/v1/auth/password-reset-confirm/${resetToken}`, payload: { new_password: 'first choice here', confirm_new_password: 'first choice here' }, status: 400 }
  ]
  for (const { status, ...request } of requests) t.equal((await app.inject(request)).statusCode, status, request.url.slice(0, 40))

  for (const token of [verifyToken, resetToken]) t.notOk(logLines.some((line) => line.includes(token)), 'no log line contains the token')
  const urls = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request').map((entry) => entry.req.url)
  t.ok(urls.includes('/api/v1/auth/verify/[redacted]'), 'the verification request is logged, without its token')
  t.ok(urls.includes('/api/v1/auth/verify/[redacted]/extra'), 'so is one that matched no route')
  t.ok(urls.includes('/api/v1/auth/password-reset-confirm/[redacted]'))
})

test('loggedPath keeps ids and drops query strings and token-sized runs', async (t) => {
  t.equal(loggedPath('/api/v1/books/4a1f0c9e-8d3b-4b1e-9f6a-2c7d5e8b1a03?x=1'), '/api/v1/books/4a1f0c9e-8d3b-4b1e-9f6a-2c7d5e8b1a03')
  t.equal(loggedPath(`/a/${'A'.repeat(43)}/b`), '/a/[redacted]/b')
  t.equal(loggedPath(`/a/${'A'.repeat(39)}`), `/a/${'A'.repeat(39)}`)
})

test('LOG_PRETTY selects pino-pretty; otherwise logs are JSON lines', async (t) => {
  const pretty = serverOptions(testConfig({ LOG_LEVEL: 'info', LOG_PRETTY: true }))
  t.match(pretty.logger, { level: 'info', transport: { target: 'pino-pretty' } })
  const app = Fastify(pretty)
  await app.ready()
  await app.close()

  const json = serverOptions(testConfig({ LOG_LEVEL: 'warn', LOG_PRETTY: false }))
  t.match(json.logger, { level: 'warn' })
  t.notOk((json.logger as { transport?: unknown }).transport)
})

test('TRUST_PROXY: off by default, true, or a list of proxy addresses', async (t) => {
  const options = (TRUST_PROXY: string) => serverOptions(testConfig({ TRUST_PROXY })).trustProxy
  t.equal(options(''), false)
  t.equal(options('true'), true)
  t.same(options('10.0.0.1, 10.1.0.0/16'), ['10.0.0.1', '10.1.0.0/16'])
})
