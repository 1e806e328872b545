import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { build, TEST_SECRET } from '../../../helper.js'
import { bearer, errorCode, signupAndLogin } from '../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../helpers/jwt.js'
import { keyIn, keyPairApp, privateKeyOf, signToken } from '../../../helpers/keys.js'
import { IAT_SKEW_SECONDS } from '../../../../plugins/app/auth/jwt.js'

type Claims = Record<string, unknown>

// The claims of a real token, changed, and signed again with the service's own secret: only the
// claims schema stands between such a token and the route.
const resign = (token: string, change: (claims: Claims) => Claims) =>
  signToken(jwtHeader(token), change(jwtClaims(token)), { secret: TEST_SECRET })

const now = () => Math.floor(Date.now() / 1000)

const without = (claims: Claims, name: string): Claims => {
  const { [name]: _dropped, ...rest } = claims
  return rest
}

const userOf = (claims: Claims) => claims.user as Claims

// Claims our key may sign but Bookly never mints, for either kind.
const badClaims: Record<string, (claims: Claims) => Claims> = {
  'numeric sid': (c) => ({ ...c, sid: 12345 }),
  'sid not a UUID': (c) => ({ ...c, sid: 'session' }),
  'sid in upper case': (c) => ({ ...c, sid: String(c.sid).toUpperCase() }),
  'sid as a URN': (c) => ({ ...c, sid: `urn:uuid:${String(c.sid)}` }),
  'numeric sub': (c) => ({ ...c, sub: 1 }),
  'missing sub': (c) => without(c, 'sub'),
  'jti an object': (c) => ({ ...c, jti: { id: c.jti } }),
  'missing jti': (c) => without(c, 'jti'),
  'missing iss': (c) => without(c, 'iss'),
  'wrong iss': (c) => ({ ...c, iss: 'evil' }),
  'missing aud': (c) => without(c, 'aud'),
  'wrong aud': (c) => ({ ...c, aud: 'someone-else' }),
  'aud as a list': (c) => ({ ...c, aud: [c.aud] }),
  'missing refresh claim': (c) => without(c, 'refresh'),
  'refresh claim a string': (c) => ({ ...c, refresh: String(c.refresh) }),
  'refresh claim of the other kind': (c) => ({ ...c, refresh: c.refresh !== true }),
  'iat in the future': (c) => ({ ...c, iat: now() + IAT_SKEW_SECONDS + 600, exp: now() + IAT_SKEW_SECONDS + 3600 }),
  'iat a string': (c) => ({ ...c, iat: String(c.iat) }),
  'iat fractional': (c) => ({ ...c, iat: Number(c.iat) + 0.5 }),
  'missing iat': (c) => without(c, 'iat'),
  'user a string': (c) => ({ ...c, user: 'admin' }),
  'user null': (c) => ({ ...c, user: null }),
  'user a list': (c) => ({ ...c, user: [c.user] }),
  'user without role': (c) => ({ ...c, user: without(userOf(c), 'role') }),
  'user with an unknown role': (c) => ({ ...c, user: { ...userOf(c), role: 'superuser' } }),
  'user with a numeric user_uid': (c) => ({ ...c, user: { ...userOf(c), user_uid: 7 } }),
  'user with a numeric email': (c) => ({ ...c, user: { ...userOf(c), email: 42 } }),
  "user not the token's subject": (c) => ({ ...c, user: { ...userOf(c), user_uid: randomUUID() } })
}

test('an access token signed with the real key but with claims Bookly never mints is 401 invalid_token', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  const me = (token: string) => app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })

  t.equal((await me(resign(access, (c) => c))).statusCode, 200, 'the control: the same claims signed again pass')
  t.equal((await me(resign(access, (c) => ({ ...c, iat: now() + IAT_SKEW_SECONDS - 10 })))).statusCode, 200,
    'an iat ahead of this clock by less than the skew passes')
  for (const [name, change] of Object.entries(badClaims)) {
    const res = await me(resign(access, change))
    t.equal(res.statusCode, 401, name)
    t.equal(errorCode(res), 'invalid_token', name)
  }
})

test('a refresh token signed with the real key but with claims Bookly never mints is 401 invalid_token', async (t) => {
  const app = await build(t)
  const { refresh } = await signupAndLogin(app)
  const rotate = (token: string) => app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(token) })

  for (const [name, change] of Object.entries(badClaims)) {
    const res = await rotate(resign(refresh, change))
    t.equal(res.statusCode, 401, name)
    t.equal(errorCode(res), 'invalid_token', name)
  }
  t.equal((await rotate(resign(refresh, (c) => c))).statusCode, 200, 'the control: the same claims signed again rotate')
})

test('an access token dressed as a refresh token is refused by both kinds of route', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  // The refresh route's audience and claim, in an access token's header: typ still says access.
  const dressed = resign(access, (c) => ({ ...c, refresh: true, aud: 'bookly:refresh' }))
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(dressed) })), 'invalid_token')
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(dressed) })), 'invalid_token')
})

test('with key pairs too: a token the current private key signed with claims Bookly never mints is 401 invalid_token', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const { access } = await signupAndLogin(app)
  const privateKey = privateKeyOf(await keyIn(app, 'current'))
  const me = (change: (claims: Claims) => Claims) =>
    app.inject({ url: '/api/v1/auth/me', headers: bearer(signToken(jwtHeader(access), change(jwtClaims(access)), { privateKey })) })

  t.equal((await me((c) => c)).statusCode, 200, 'the control: the same claims signed again pass')
  for (const name of ['numeric sid', 'missing iss', 'wrong aud', 'refresh claim of the other kind', 'iat in the future', 'user a string']) {
    const change = badClaims[name]
    if (change === undefined) throw new Error(`no case ${name}`)
    t.equal(errorCode(await me(change)), 'invalid_token', name)
  }
})
