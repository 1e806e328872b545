import { test, type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { build } from '../../../helper.js'
import { buildWithInbox } from '../../../helpers/mail.js'
import { tokenIn } from '../../../helpers/smtp.js'
import { bearer, login, signupAndLogin, signupBody } from '../../../helpers/fixtures.js'

// 405 with Allow, in the error shape (its length and type: a HEAD answer has no body on the wire),
// with the security headers.
function notAllowed (t: Test, res: LightMyRequestResponse, allow: string, app: FastifyInstance) {
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, allow)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = { statusCode: 405, error: 'Method Not Allowed', error_code: 'method_not_allowed', message: 'Method Not Allowed' }
  t.equal(Number(res.headers['content-length']), JSON.stringify(body).length, 'the error body\'s length')
  if (res.body !== '') t.same(res.json(), body)
  t.match(res.headers, app.securityHeaders)
}

test('HEAD /logout?scope=global is 405 and ends no session', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const other = await login(app, user.email)
  for (const scope of ['global', 'others', 'local']) {
    notAllowed(t, await app.inject({ method: 'HEAD', url: `/api/v1/auth/logout?scope=${scope}`, headers: bearer(user.access) }), 'GET, POST', app)
  }
  notAllowed(t, await app.inject({ method: 'HEAD', url: '/api/v1/auth/logout' }), 'GET, POST', app)
  for (const session of [user, other]) {
    t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(session.access) })).statusCode, 200, 'the access token still works')
  }
  t.equal((await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(user.access) })).json().length, 2, 'both sessions are open')
  // GET and POST still log out.
  t.equal((await app.inject({ url: '/api/v1/auth/logout?scope=global', headers: bearer(user.access) })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(other.access) })).statusCode, 401)
})

test('HEAD /refresh_token is 405 and rotates nothing: the refresh token is still unused', async (t) => {
  // No reuse window: had HEAD rotated it, the GET below would be a replay.
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 0 } })
  const user = await signupAndLogin(app)
  notAllowed(t, await app.inject({ method: 'HEAD', url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) }), 'GET', app)
  notAllowed(t, await app.inject({ method: 'HEAD', url: '/api/v1/auth/refresh_token' }), 'GET', app)
  const refreshed = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })
  t.equal(refreshed.statusCode, 200, 'the first real use succeeds')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(refreshed.json().access_token) })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })).statusCode, 200, 'the session lives on')
})

test('HEAD /verify/{token} is 405 and verifies nothing; the link then works', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const body = signupBody()
  const { uid } = (await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })).json()
  const token = tokenIn((await inbox.waitForMessages(1))[0]!)
  notAllowed(t, await app.inject({ method: 'HEAD', url: `/api/v1/auth/verify/${token}` }), 'GET', app)
  const row = async () => app.db.selectFrom('users').select('is_verified').where('uid', '=', uid).executeTakeFirstOrThrow()
  t.equal((await row()).is_verified, false, 'still unverified')
  t.equal((await app.inject({ url: `/api/v1/auth/verify/${token}` })).statusCode, 200)
  t.equal((await row()).is_verified, true)
})

test('read-only GET routes keep HEAD', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  for (const url of ['/health', '/api/v1/auth/me', '/api/v1/auth/sessions', '/api/v1/auth/verify', '/api/v1/books']) {
    const res = await app.inject({ method: 'HEAD', url, headers: bearer(user.access) })
    t.equal(res.statusCode, 200, url)
  }
})
