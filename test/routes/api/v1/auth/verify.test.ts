import { test } from 'tap'
import { build } from '../../../../helper.js'
import { signupAndLogin, bearer, errorCode } from '../../../../helpers/fixtures.js'
import { jwtClaims } from '../../../../helpers/jwt.js'

const url = '/api/v1/auth/verify'

test('a valid access token answers 200 with its subject, session and role', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const res = await app.inject({ method: 'GET', url, headers: bearer(user.access) })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['role', 'sid', 'sub'])
  t.equal(body.sub, user.uid)
  t.equal(body.role, 'user')
  t.equal(body.sid, jwtClaims(user.access).sid)
  t.equal(res.headers['cache-control'], 'no-store')
})

test('no Authorization header is 401 not_authenticated', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'not_authenticated')
})

test('a refresh token is 401 access_token_required', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const res = await app.inject({ method: 'GET', url, headers: bearer(user.refresh) })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'access_token_required')
})

test('after logout the access token is 401 token_revoked', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const logout = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(user.access) })
  t.equal(logout.statusCode, 200)
  const res = await app.inject({ method: 'GET', url, headers: bearer(user.access) })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'token_revoked')
})

test('an accepted access token is refused once it expires', async (t) => {
  const app = await build(t, { config: { ACCESS_TOKEN_TTL: 1 } })
  const user = await signupAndLogin(app)
  const first = await app.inject({ method: 'GET', url, headers: bearer(user.access) })
  t.equal(first.statusCode, 200)
  const exp = jwtClaims(user.access).exp
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50))
  const later = await app.inject({ method: 'GET', url, headers: bearer(user.access) })
  t.equal(later.statusCode, 401)
  t.equal(errorCode(later), 'invalid_token')
})

test('verify is exempt from the per-IP auth limit that other auth routes count against', async (t) => {
  const app = await build(t, { config: { AUTH_RATE_LIMIT: 3 } })
  const user = await signupAndLogin(app) // signup and login use 2 of the 3
  for (let i = 0; i < 10; i++) {
    t.equal((await app.inject({ url, headers: bearer(user.access) })).statusCode, 200, `verify ${i + 1}`)
  }
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })).statusCode, 200, 'the third counted request')
  const limited = await app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })
  t.equal(limited.statusCode, 429)
  t.equal(errorCode(limited), 'rate_limited')
})
