import { test } from 'tap'
import { createHmac } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { build, TEST_SECRET } from '../../../../helper.js'
import { signupAndLogin, bearer, errorCode } from '../../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../../helpers/jwt.js'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function forge (header: Record<string, unknown>, payload: Record<string, unknown>, secret = TEST_SECRET, hash = 'sha256') {
  const body = `${b64(header)}.${b64(payload)}`
  return `${body}.${createHmac(hash, secret).update(body).digest('base64url')}`
}

test('token claims and lifetimes', async (t) => {
  const app = await build(t, { config: { ACCESS_TOKEN_TTL: 600, REFRESH_TOKEN_TTL: 7200 } })
  const before = Math.floor(Date.now() / 1000)
  const { access, refresh, uid, email } = await signupAndLogin(app)

  const accessHeader = jwtHeader(access)
  const accessClaims = jwtClaims(access)
  const refreshHeader = jwtHeader(refresh)
  const refreshClaims = jwtClaims(refresh)

  t.same(accessHeader, { alg: 'HS256', typ: 'at+jwt' })
  t.same(refreshHeader, { alg: 'HS256', typ: 'rt+jwt' })
  for (const [claims, isRefresh, ttl, aud] of [[accessClaims, false, 600, 'bookly:access'], [refreshClaims, true, 7200, 'bookly:refresh']] as const) {
    t.same(claims.user, { email, user_uid: uid, role: 'user' })
    t.equal(claims.sub, uid)
    t.equal(claims.refresh, isRefresh)
    t.equal(claims.iss, 'bookly')
    t.equal(claims.aud, aud)
    t.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    t.match(claims.sid, /^[0-9a-f-]{36}$/)
    t.ok(claims.iat >= before && claims.iat <= before + 5)
    t.equal(claims.exp - claims.iat, ttl)
  }
  t.equal(accessClaims.sid, refreshClaims.sid, 'both tokens carry the session id')
  t.not(accessClaims.jti, refreshClaims.jti)
})

test('default lifetimes are 1 hour and 2 days', async (t) => {
  const app = await build(t)
  const { access, refresh } = await signupAndLogin(app)
  t.equal(jwtClaims(access).exp - jwtClaims(access).iat, 3600)
  t.equal(jwtClaims(refresh).exp - jwtClaims(refresh).iat, 172800)
})

test('JWT_ALGORITHM is honoured and pinned', async (t) => {
  const app = await build(t, { config: { JWT_ALGORITHM: 'HS512' } })
  const { access } = await signupAndLogin(app)
  t.equal(jwtHeader(access).alg, 'HS512')
  const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })
  t.equal(me.statusCode, 200)

  // The same claims signed with HS256 and the right secret are refused by an HS512 service.
  const downgraded = forge({ alg: 'HS256', typ: 'at+jwt' }, jwtClaims(access))
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(downgraded) })), 'invalid_token')
})

test('bad access tokens are all 401 invalid_token', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  const claims = jwtClaims(access)
  const header = jwtHeader(access)
  const now = Math.floor(Date.now() / 1000)
  const [h, p, s] = access.split('.')

  const cases: Record<string, string> = {
    tampered: `${h}.${b64({ ...claims, user: { ...claims.user, role: 'admin' } })}.${s}`,
    'alg none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`,
    'wrong secret': forge(header, claims, 'another-secret-that-is-long-enough-000000'),
    expired: forge(header, { ...claims, iat: now - 7200, exp: now - 3600 }),
    'wrong iss': forge(header, { ...claims, iss: 'evil' }),
    'wrong aud': forge(header, { ...claims, aud: 'someone-else' }),
    'wrong typ': forge({ ...header, typ: 'JWT' }, claims),
    'no typ': forge({ alg: 'HS256' }, claims),
    'missing sid': forge(header, { ...claims, sid: undefined }),
    garbage: 'not.a.token',
    'signed by fast-jwt with another key': createSigner({ key: 'x'.repeat(40) })(claims)
  }
  // Used first, so the verified-token cache holds it: the tampered token shares its signature.
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })).statusCode, 200)
  for (const [name, token] of Object.entries(cases)) {
    const res = await app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })
    t.equal(res.statusCode, 401, name)
    t.equal(errorCode(res), 'invalid_token', name)
  }
  // The control: the untouched token still works.
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })).statusCode, 200)
})

test('missing or malformed Authorization header is 401 not_authenticated', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  const headers: Array<Record<string, string>> = [
    {},
    { authorization: '' },
    { authorization: access },
    { authorization: `Basic ${access}` },
    { authorization: 'Bearer' },
    { authorization: `Bearer ${access} extra` }
  ]
  for (const h of headers) {
    const res = await app.inject({ url: '/api/v1/auth/me', headers: h })
    t.equal(res.statusCode, 401, JSON.stringify(h).slice(0, 40))
    t.equal(errorCode(res), 'not_authenticated')
  }
})

test('a token in the query string is ignored', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  for (const q of ['token', 'access_token', 'authorization']) {
    const res = await app.inject({ url: `/api/v1/auth/me?${q}=${access}` })
    t.equal(errorCode(res), 'not_authenticated', q)
  }
})

test('a refresh token is refused where an access token is required, and the reverse', async (t) => {
  const app = await build(t)
  const { access, refresh } = await signupAndLogin(app)
  const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(refresh) })
  t.equal(me.statusCode, 401)
  t.equal(errorCode(me), 'access_token_required')

  const rotated = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(access) })
  t.equal(rotated.statusCode, 401)
  t.equal(errorCode(rotated), 'refresh_token_required')
})
