import { test } from 'tap'
import { build } from '../../../../helper.js'
import { signupAndLogin, login, bearer, errorCode } from '../../../../helpers/fixtures.js'

const me = (token: string) => ({ url: '/api/v1/auth/me', headers: bearer(token) })
const refreshWith = (token: string) => ({ url: '/api/v1/auth/refresh_token', headers: bearer(token) })

test('logout (local, the default) ends this session at once, both tokens', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const b = await login(app, a.email)
  for (const method of ['GET', 'POST'] as const) {
    const session = await login(app, a.email)
    const res = await app.inject({ method, url: '/api/v1/auth/logout', headers: bearer(session.access) })
    t.equal(res.statusCode, 200, method)
    t.same(res.json(), { message: 'Logged Out Successfully' })
    t.equal(errorCode(await app.inject(me(session.access))), 'token_revoked', `${method}: access token dead`)
    t.equal(errorCode(await app.inject(refreshWith(session.refresh))), 'token_revoked', `${method}: refresh token dead`)
  }
  t.equal((await app.inject(me(a.access))).statusCode, 200, 'other sessions live on')
  t.equal((await app.inject(me(b.access))).statusCode, 200)
})

test('logout twice is fine', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  t.equal((await app.inject({ url: '/api/v1/auth/logout', headers: bearer(access) })).statusCode, 200)
  const again = await app.inject({ url: '/api/v1/auth/logout', headers: bearer(access) })
  t.equal(again.statusCode, 401)
  t.equal(errorCode(again), 'token_revoked', 'the token is already dead: no second effect, no 500')
})

test('scope=others ends every other session of the user, not this one, not other users', async (t) => {
  const app = await build(t)
  const a1 = await signupAndLogin(app)
  const a2 = await login(app, a1.email)
  const a3 = await login(app, a1.email)
  const stranger = await signupAndLogin(app)
  const res = await app.inject({ url: '/api/v1/auth/logout?scope=others', headers: bearer(a1.access) })
  t.equal(res.statusCode, 200)
  t.equal((await app.inject(me(a1.access))).statusCode, 200)
  t.equal(errorCode(await app.inject(me(a2.access))), 'token_revoked')
  t.equal(errorCode(await app.inject(refreshWith(a3.refresh))), 'token_revoked')
  t.equal((await app.inject(me(stranger.access))).statusCode, 200)
})

test('scope=global ends all sessions of the user', async (t) => {
  const app = await build(t)
  const a1 = await signupAndLogin(app)
  const a2 = await login(app, a1.email)
  const stranger = await signupAndLogin(app)
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=global', headers: bearer(a2.access) })
  t.equal(res.statusCode, 200)
  for (const s of [a1, a2]) {
    t.equal(errorCode(await app.inject(me(s.access))), 'token_revoked')
    t.equal(errorCode(await app.inject(refreshWith(s.refresh))), 'token_revoked')
  }
  t.equal((await app.inject(me(stranger.access))).statusCode, 200)
  t.ok(await login(app, a1.email), 'logging in again opens a new session')
})

test('an unknown scope is 422; logout needs an access token', async (t) => {
  const app = await build(t)
  const { access, refresh } = await signupAndLogin(app)
  const bad = await app.inject({ url: '/api/v1/auth/logout?scope=everything', headers: bearer(access) })
  t.equal(bad.statusCode, 422)
  t.match(bad.json().message, /scope/)
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/logout' })), 'not_authenticated')
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/logout', headers: bearer(refresh) })), 'access_token_required')
})
