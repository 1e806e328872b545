import { test } from 'tap'
import { build } from '../../../../helper.js'
import { signupAndLogin, login, bearer, errorCode } from '../../../../helpers/fixtures.js'
import { jwtClaims } from '../../../../helpers/jwt.js'

test('GET /sessions lists live sessions with metadata and marks the current one', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app, {}, { 'user-agent': 'tab-one' })
  const b = await login(app, a.email, undefined, { 'user-agent': 'tab-two' })
  const ended = await login(app, a.email)
  await app.inject({ url: '/api/v1/auth/logout', headers: bearer(ended.access) })
  await signupAndLogin(app) // someone else

  const res = await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(b.access) })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const sessions = res.json()
  t.equal(sessions.length, 2, 'only the caller\'s live sessions')
  const current = sessions.find((s: { current: boolean }) => s.current)
  t.equal(current.sid, jwtClaims(b.access).sid)
  t.equal(current.user_agent, 'tab-two')
  t.equal(current.ip, '127.0.0.1')
  t.ok(Date.parse(current.created_at) && Date.parse(current.last_used_at) && Date.parse(current.expires_at))
  const other = sessions.find((s: { current: boolean }) => !s.current)
  t.equal(other.sid, jwtClaims(a.access).sid)
  t.equal(other.user_agent, 'tab-one')
})

test('DELETE /sessions/{sid} ends one of your sessions', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const b = await login(app, a.email)
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${jwtClaims(b.access).sid}`, headers: bearer(a.access) })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(b.access) })), 'token_revoked')
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(b.refresh) })), 'token_revoked')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(a.access) })).statusCode, 200)
})

test("someone else's sid is 404 and their session survives; a malformed sid is 422", async (t) => {
  const app = await build(t)
  const mine = await signupAndLogin(app)
  const theirs = await signupAndLogin(app)
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${jwtClaims(theirs.access).sid}`, headers: bearer(mine.access) })
  t.equal(res.statusCode, 404)
  t.equal(errorCode(res), 'session_not_found')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(theirs.access) })).statusCode, 200)

  const unknown = await app.inject({ method: 'DELETE', url: '/api/v1/auth/sessions/00000000-0000-4000-8000-000000000000', headers: bearer(mine.access) })
  t.equal(errorCode(unknown), 'session_not_found')
  const malformed = await app.inject({ method: 'DELETE', url: '/api/v1/auth/sessions/not-a-uuid', headers: bearer(mine.access) })
  t.equal(malformed.statusCode, 422)
  t.equal(errorCode(malformed), 'validation_error')
})
