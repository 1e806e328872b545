import { test } from 'tap'
import type { FastifyError } from 'fastify'
import { build, onPostgres } from '../../../helper.js'
import { freshPostgresDatabase } from '../../../helpers/databases.js'
import { signupAndLogin, signupBody, bearer, PASSWORD } from '../../../helpers/fixtures.js'
import { startTcpProxy } from '../../../helpers/tcp-proxy.js'
import { toAppError } from '../../../../plugins/app/http/error-handler.js'

const serviceUnavailable = { statusCode: 503, error: 'Service Unavailable', error_code: 'service_unavailable', message: 'Service temporarily unavailable' }

const withCode = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {}) as FastifyError

test('connection failures of the database map to 503 service_unavailable; other errors do not', async (t) => {
  const unreachable = [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('connection failure', '08006'),
    withCode('Connection terminated unexpectedly'),
    withCode('timeout exceeded when trying to connect'),
    Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect failed')) as unknown as FastifyError
  ]
  for (const err of unreachable) {
    t.match(toAppError(err), { errorCode: 'service_unavailable', statusCode: 503, headers: { 'retry-after': '5' } }, err.message)
  }
  t.equal(toAppError(withCode('duplicate key', '23505')), undefined, 'a constraint violation stays a 500 unless handled')
  t.equal(toAppError(withCode('boom')), undefined)
  // A client hanging up mid-body (Fastify's body reader gives it 400) is no database outage.
  t.match(toAppError(Object.assign(withCode('aborted', 'ECONNRESET'), { statusCode: 400 })), { errorCode: 'bad_request', statusCode: 400 })
})

test('a request that meets an unreachable database gets 503, no stack, no SQL', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const repo = app.usersRepository
  const original = repo.findForLogin
  repo.findForLogin = async () => { throw withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED') }
  t.teardown(() => { repo.findForLogin = original })
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })
  t.equal(res.statusCode, 503)
  t.same(res.json(), serviceUnavailable)
  t.equal(res.headers['retry-after'], '5')
})

// The PGlite run covers the mapping above; a real outage needs a server to take away.
if (onPostgres) {
  test('PostgreSQL stopping and coming back: 503 while it is away, recovery without a restart', async (t) => {
    const direct = new URL(await freshPostgresDatabase())
    let proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432))
    const port = proxy.port
    t.teardown(() => proxy.close())
    const proxied = new URL(direct)
    proxied.host = `127.0.0.1:${port}`
    const app = await build(t, { database: { DATABASE_URL: proxied.toString() } })
    const user = await signupAndLogin(app)
    const login = () => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })

    await proxy.close()
    const down = await login()
    t.equal(down.statusCode, 503, 'login while the database is away')
    t.same(down.json(), serviceUnavailable)
    t.equal(down.headers['retry-after'], '5')
    const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody() })
    t.equal(signup.statusCode, 503, 'signup while the database is away')
    const sessions = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(user.access) })
    t.equal(sessions.statusCode, 503, 'an authenticated read while the database is away')
    t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'liveness holds')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503, 'readiness fails')

    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432), port)
    t.equal((await login()).statusCode, 200, 'login once the database is back')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200, 'ready again')
  })
}

test('no error message echoes a query string: not the 404, not a validation failure', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  const secret = 'query-secret-0123456789abcdefghijklmnopqrstuvwxyz'
  const missing = await app.inject({ url: `/no/such/route?token=${secret}&access_token=${access}` })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { statusCode: 404, error: 'Not Found', error_code: 'not_found', message: 'Route GET /no/such/route not found' })
  const invalid = await app.inject({ url: `/api/v1/auth/logout?scope=${secret}`, headers: bearer(access) })
  t.equal(invalid.statusCode, 422)
  for (const res of [missing, invalid]) {
    t.notOk(res.body.includes(secret), `${res.statusCode}: no query value in the answer`)
    t.notOk(res.body.includes(access), `${res.statusCode}: no token in the answer`)
  }
})
