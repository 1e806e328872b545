import { test, type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { build } from '../../../helper.js'
import { signupAndLogin, signupBody, uniqueEmail, bearer, errorCode, PASSWORD } from '../../../helpers/fixtures.js'
import { startTcpProxy } from '../../../helpers/tcp-proxy.js'
import type { Config } from '../../../../config/schema.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
const loginUrl = '/api/v1/auth/login'

const login = (app: FastifyInstance, email: string, password: string, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'POST', url: loginUrl, payload: { email, password }, remoteAddress })

function assertRateLimited (t: Test, res: LightMyRequestResponse, maxSeconds: number, name: string) {
  t.equal(res.statusCode, 429, name)
  t.same(res.json(), {
    statusCode: 429,
    error: 'Too Many Requests',
    error_code: 'rate_limited',
    message: 'Too many requests, please try again later'
  }, `${name}: our error shape`)
  const retryAfter = Number(res.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= maxSeconds, `${name}: Retry-After ${retryAfter} within 1..${maxSeconds}`)
}

// A namespace of its own per test, so runs and instances only share the counts they mean to.
function redisConfig (t: Test): Partial<Config> {
  const namespace = `bookly-test-${randomUUID()}:`
  t.teardown(async () => {
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${namespace}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })
  return { REDIS_URL, RATE_LIMIT_NAMESPACE: namespace }
}

for (const store of ['memory', 'redis'] as const) {
  const storeConfig = (t: Test) => store === 'redis' ? redisConfig(t) : {}

  test(`${store}: failed logins per account, any spelling of the e-mail, across IPs; 429 with Retry-After`, async (t) => {
    const app = await build(t, { config: { ...storeConfig(t), LOGIN_FAILURES_PER_ACCOUNT: 3, LOGIN_FAILURE_WINDOW: 900 } })
    const victim = await signupAndLogin(app)
    const spellings = [victim.email, ` ${victim.email.toUpperCase()} `, victim.email]
    for (const [i, email] of spellings.entries()) {
      const res = await login(app, email, 'wrong password', `10.0.0.${i + 1}`)
      t.equal(errorCode(res), 'invalid_email_or_password', `failure ${i + 1}`)
    }
    // Even the right password waits now: the limit is on the account, not the guess.
    assertRateLimited(t, await login(app, victim.email, PASSWORD, '10.0.1.1'), 900, 'fourth attempt')
    assertRateLimited(t, await login(app, victim.email.toUpperCase(), 'wrong password'), 900, 'fifth attempt')

    const other = await signupAndLogin(app)
    t.equal((await login(app, other.email, PASSWORD)).statusCode, 200, 'another account is unaffected')
  })

  test(`${store}: wrong current passwords at change_password count as failed logins of the account, across IPs`, async (t) => {
    const app = await build(t, { config: { ...storeConfig(t), LOGIN_FAILURES_PER_ACCOUNT: 3, LOGIN_FAILURE_WINDOW: 900 } })
    const victim = await signupAndLogin(app)
    const change = (current: string, remoteAddress: string) => app.inject({
      method: 'POST',
      url: '/api/v1/auth/change_password',
      headers: bearer(victim.access),
      payload: { current_password: current, new_password: 'another good password' },
      remoteAddress
    })
    t.equal(errorCode(await change('wrong password', '10.1.0.1')), 'invalid_password', 'failure 1')
    t.equal(errorCode(await login(app, victim.email, 'wrong password', '10.1.0.2')), 'invalid_email_or_password', 'failure 2, at login')
    t.equal(errorCode(await change('wrong password', '10.1.0.3')), 'invalid_password', 'failure 3')
    // Over the limit, even the right password is refused on both routes.
    assertRateLimited(t, await change(PASSWORD, '10.1.1.1'), 900, 'change_password with the right password')
    assertRateLimited(t, await login(app, victim.email, PASSWORD, '10.1.1.2'), 900, 'login with the right password')
    assertRateLimited(t, await change('wrong password', '10.1.1.3'), 900, 'another guess')

    const other = await signupAndLogin(app)
    t.equal((await login(app, other.email, PASSWORD)).statusCode, 200, 'another account is unaffected')
    const row = await app.db.selectFrom('users').select('password_hash').where('uid', '=', victim.uid).executeTakeFirstOrThrow()
    t.ok(await app.passwords.verify(row.password_hash, PASSWORD), 'the password is unchanged')
  })

  test(`${store}: successful logins do not count against the account`, async (t) => {
    const app = await build(t, { config: { ...storeConfig(t), LOGIN_FAILURES_PER_ACCOUNT: 2 } })
    const user = await signupAndLogin(app)
    for (let i = 0; i < 5; i++) t.equal((await login(app, user.email, PASSWORD)).statusCode, 200)
    t.equal((await login(app, user.email, 'wrong')).statusCode, 403)
    t.equal((await login(app, user.email, PASSWORD)).statusCode, 200, 'one failure is still under the limit')
  })

  test(`${store}: the per-account limit expires by itself`, async (t) => {
    const app = await build(t, { config: { ...storeConfig(t), LOGIN_FAILURES_PER_ACCOUNT: 2, LOGIN_FAILURE_WINDOW: 1 } })
    const user = await signupAndLogin(app)
    await login(app, user.email, 'wrong')
    await login(app, user.email, 'wrong')
    assertRateLimited(t, await login(app, user.email, PASSWORD), 1, 'locked')
    await new Promise((resolve) => setTimeout(resolve, 1100))
    t.equal((await login(app, user.email, PASSWORD)).statusCode, 200, 'the owner gets in once the window has passed')
  })

  test(`${store}: every auth route counts against one per-IP limit`, async (t) => {
    const app = await build(t, { config: { ...storeConfig(t), AUTH_RATE_LIMIT: 3, AUTH_RATE_WINDOW: 60 } })
    const ip = '192.0.2.10'
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress: ip })).statusCode, 401)
    t.equal((await login(app, uniqueEmail(), 'x', ip)).statusCode, 403)
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', remoteAddress: ip })).statusCode, 401)
    assertRateLimited(t, await login(app, uniqueEmail(), 'x', ip), 60, 'fourth request from the IP')
    assertRateLimited(t, await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody(), remoteAddress: ip }), 60, 'signup from the IP')
    t.equal((await login(app, uniqueEmail(), 'x', '192.0.2.11')).statusCode, 403, 'another IP is unaffected')
    t.equal((await app.inject({ method: 'GET', url: '/health', remoteAddress: ip })).statusCode, 200, 'other routes are unaffected')
  })

  test(`${store}: signups and password changes per IP`, async (t) => {
    const app = await build(t, { config: { ...storeConfig(t), SIGNUP_RATE_LIMIT: 2, CHANGE_PASSWORD_RATE_LIMIT: 1 } })
    const signup = (remoteAddress: string) => app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody(), remoteAddress })
    t.equal((await signup('198.51.100.1')).statusCode, 201)
    t.equal((await signup('198.51.100.1')).statusCode, 201)
    assertRateLimited(t, await signup('198.51.100.1'), 3600, 'third signup')
    t.equal((await signup('198.51.100.2')).statusCode, 201, 'another IP may sign up')

    const user = await signupAndLogin(app)
    const change = () => app.inject({
      method: 'POST',
      url: '/api/v1/auth/change_password',
      headers: bearer(user.access),
      payload: { current_password: 'wrong password', new_password: 'another good password' }
    })
    t.equal(errorCode(await change()), 'invalid_password')
    assertRateLimited(t, await change(), 900, 'second password change')
  })
}

test('redis: two instances share the counts', async (t) => {
  const config = { ...redisConfig(t), LOGIN_FAILURES_PER_ACCOUNT: 4, AUTH_RATE_LIMIT: 8 }
  const [a, b] = await Promise.all([build(t, { config }), build(t, { config })])
  const user = await signupAndLogin(a)
  for (const [i, app] of [a, b, a, b].entries()) {
    t.equal((await login(app, user.email, 'wrong', `203.0.113.${i}`)).statusCode, 403, `failure ${i + 1}`)
  }
  assertRateLimited(t, await login(a, user.email, PASSWORD, '203.0.113.9'), 900, 'account on instance a')
  assertRateLimited(t, await login(b, user.email, PASSWORD, '203.0.113.9'), 900, 'account on instance b')

  const ip = '203.0.113.50'
  for (let i = 0; i < 8; i++) await login(i % 2 ? a : b, uniqueEmail(), 'x', ip)
  assertRateLimited(t, await login(a, uniqueEmail(), 'x', ip), 60, 'IP on instance a')
  assertRateLimited(t, await login(b, uniqueEmail(), 'x', ip), 60, 'IP on instance b')
})

test('redis going away: rate-limited routes answer 503 instead of running unlimited, then recover', async (t) => {
  let proxy = await startTcpProxy('127.0.0.1', 6379)
  const port = proxy.port
  t.teardown(() => proxy.close())
  const app = await build(t, { config: { ...redisConfig(t), REDIS_URL: `redis://127.0.0.1:${port}` } })
  const user = await signupAndLogin(app)

  await proxy.close()
  const down = await login(app, user.email, PASSWORD)
  t.equal(down.statusCode, 503)
  t.equal(errorCode(down), 'service_unavailable')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'unlimited routes are unaffected')

  proxy = await startTcpProxy('127.0.0.1', 6379, port)
  // ioredis reconnects on its own, with a short backoff.
  let res = await login(app, user.email, PASSWORD)
  for (let i = 0; i < 40 && res.statusCode === 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    res = await login(app, user.email, PASSWORD)
  }
  t.equal(res.statusCode, 200, 'back once Redis is')
})
