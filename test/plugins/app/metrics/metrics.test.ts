import { test } from 'tap'
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { build, testConfig } from '../../../helper.js'
import { metricsPort } from '../../../../config/schema.js'
import { freePort } from '../../../helpers/free-port.js'
import { bearer, login, PASSWORD, signupAndLogin, signupBody } from '../../../helpers/fixtures.js'
import { enableTwoFactor, secondStep, ticketFor, totpCode, wrongCode } from '../../../helpers/two-factor.js'

async function withMetrics (t: Parameters<typeof build>[0], config: Record<string, unknown> = {}, logLines?: string[]) {
  const port = await freePort()
  const app = await build(t, { config: { METRICS_PORT: port, ...config }, logLines })
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`)
    if (res.status !== 200) throw new Error(`metrics answered ${res.status}`)
    return res.text()
  }
  return { app, port, scrape }
}

// The value of one series, by its exact label set as prom-client writes it; 0 when absent.
function sample (text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

const outcome = (operation: string, result: string) => `bookly_auth_outcomes_total{operation="${operation}",outcome="${result}"}`

test('the metrics port serves Prometheus text after real requests, and the counters move', async (t) => {
  const { app, scrape } = await withMetrics(t)
  const user = await signupAndLogin(app)
  await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: `${PASSWORD}!` } })
  await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })
  await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer('not-a-token') })
  await app.inject({ url: `/api/v1/books/${randomUUID()}`, headers: bearer(user.access) })

  const before = await scrape()
  t.equal(sample(before, outcome('signup', 'success')), 1)
  t.equal(sample(before, outcome('login', 'success')), 1)
  t.equal(sample(before, outcome('login', 'invalid_email_or_password')), 1)
  t.equal(sample(before, outcome('refresh', 'success')), 1)
  t.equal(sample(before, outcome('refresh', 'invalid_token')), 1)
  t.equal(sample(before, 'http_request_duration_seconds_count{method="POST",route="/api/v1/auth/login",status_code="200"}'), 1, 'durations by route')
  t.equal(sample(before, 'http_request_duration_seconds_count{method="GET",route="/api/v1/books/:book_uid",status_code="404"}'), 1, 'the route pattern, not the URL')
  t.ok(sample(before, 'bookly_hash_wait_seconds_count') >= 3, 'hash waits observed')
  t.equal(sample(before, 'bookly_hash_queue_depth'), 0, 'no hash waiting at rest')
  t.ok(before.includes('bookly_db_pool_connections{state="idle"}'), 'database pool use')
  t.ok(before.includes('process_cpu_seconds_total'), 'the process metrics')
  const revokedBefore = sample(before, 'bookly_revoked_sessions')

  await login(app, user.email)
  await app.inject({ url: '/api/v1/auth/logout', headers: bearer(user.access) })
  const after = await scrape()
  t.equal(sample(after, outcome('login', 'success')), 2, 'one more login')
  t.equal(sample(after, 'http_request_duration_seconds_count{method="POST",route="/api/v1/auth/login",status_code="200"}'), 2)
  t.equal(sample(after, 'bookly_revoked_sessions'), revokedBefore + 1, 'the revocation set grew by the logout')
})

test('a login with two-factor on counts mfa_required, then its second step\'s outcome', async (t) => {
  const { app, scrape } = await withMetrics(t)
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  const ticket = await ticketFor(app, user.email)
  t.equal((await secondStep(app, { mfa_ticket: ticket, code: wrongCode(secret) })).statusCode, 403)
  t.equal((await secondStep(app, { mfa_ticket: ticket, code: totpCode(secret) })).statusCode, 200)
  const text = await scrape()
  t.equal(sample(text, outcome('login', 'success')), 1, 'the login before two-factor was on')
  t.equal(sample(text, outcome('login', 'mfa_required')), 1)
  t.equal(sample(text, outcome('login_two_factor', 'invalid_mfa_code')), 1)
  t.equal(sample(text, outcome('login_two_factor', 'success')), 1)
})

test('hashes refused with 503 overloaded are counted as shed, and as the outcome of login', async (t) => {
  // No wait for a hash slot, whichever admission rule the gate has (a fixed queue, or a wait budget).
  const { app, scrape } = await withMetrics(t, { HASH_CONCURRENCY: 1, HASH_MAX_WAIT_MS: 0 })
  const { email } = await signupAndLogin(app)
  const answers = await Promise.all(Array.from({ length: 6 }, () =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })))
  const refused = answers.filter((res) => res.statusCode === 503).length
  t.ok(refused > 0, `${refused} of 6 refused`)
  const text = await scrape()
  t.equal(sample(text, 'bookly_requests_shed_total{route="/api/v1/auth/login"}'), refused)
  t.equal(sample(text, outcome('login', 'overloaded')), refused)
  t.equal(sample(text, outcome('login', 'success')), 1 + 6 - refused)
  t.equal(sample(text, 'bookly_hash_queue_depth'), 0, 'refused hashes leave the line')
})

test('no label value holds an e-mail, a uuid or a token', async (t) => {
  const { app, scrape } = await withMetrics(t)
  const user = await signupAndLogin(app, { email: 'label.probe@example.com' })
  const token = randomBytes(32).toString('base64url')
  await app.inject({ url: `/api/v1/auth/verify/${token}` })
  await app.inject({ url: `/api/v1/books/user/${user.uid}`, headers: bearer(user.access) })
  await app.inject({ url: `/api/v1/users/${encodeURIComponent(user.email)}/${user.access}` })
  await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody({ email: user.email }) })
  await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })

  const text = await scrape()
  const values = [...text.matchAll(/\w+="([^"]*)"/g)].map((m) => m[1] ?? '')
  t.ok(values.includes('/api/v1/auth/verify/:token'), 'the pattern of a route with a token in its path')
  t.ok(values.includes('/api/v1/books/user/:user_uid'))
  t.ok(values.includes('user_exists'))
  const leaks = values.filter((value) =>
    value.includes('@') ||
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(value) ||
    /[A-Za-z0-9_-]{40,}/.test(value) ||
    value.includes('eyJ'))
  t.same(leaks, [], 'no label value is an e-mail, uuid or token')
  for (const secret of [user.email, user.uid, user.access, user.refresh, token]) t.notOk(text.includes(secret))
})

async function status (url: string): Promise<number> {
  return (await fetch(url)).status
}

test('the API port does not serve /metrics', async (t) => {
  const { app, port } = await withMetrics(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const apiPort = typeof address === 'object' && address !== null ? address.port : 0
  t.equal(await status(`http://127.0.0.1:${apiPort}/metrics`), 404)
  t.equal(await status(`http://127.0.0.1:${port}/metrics`), 200)
  t.equal(await status(`http://127.0.0.1:${port}/api/v1/auth/verify`), 404, 'and the metrics port serves nothing else')
})

test('the metrics listener is on loopback unless METRICS_HOST says otherwise, and off by default', async (t) => {
  const logLines: string[] = []
  const { port } = await withMetrics(t, {}, logLines)
  t.ok(logLines.some((line) => line.includes(`metrics at http://127.0.0.1:${port}/metrics`)), 'listening on 127.0.0.1')
  t.equal(metricsPort(testConfig()), 0, 'off by default')
  t.equal(metricsPort(testConfig({ METRICS_PORT: '0' })), 0, '0 is off too')
  t.equal(testConfig().METRICS_HOST, '127.0.0.1')
  for (const bad of ['65536', 'abc', '-1', '80.5']) {
    t.throws(() => testConfig({ METRICS_PORT: bad }), /METRICS_PORT must be a port number \(1-65535\), or empty or 0/, `${bad} is refused`)
  }

  const off: FastifyInstance = await build(t)
  await off.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com', password: PASSWORD } })
  t.same(await off.metricsRegistry.getMetricsAsJSON(), [], 'without a port nothing is measured')
})
