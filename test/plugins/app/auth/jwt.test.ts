import { test } from 'tap'
import { build, TEST_SECRET } from '../../../helper.js'
import { bearer, errorCode, signupAndLogin } from '../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../helpers/jwt.js'
import { keyIn, keyPairApp, me, privateKeyOf } from '../../../helpers/keys.js'
import type { TokenPayload } from '../../../../schemas/tokens.js'

test('@fastify/jwt is what signs and verifies: one namespace per token kind, its request verifier behind the guards', async (t) => {
  const app = await build(t)
  t.ok(app.hasPlugin('@fastify/jwt'), '@fastify/jwt is registered')
  t.ok(app.hasRequestDecorator('accessJwtVerify') && app.hasRequestDecorator('refreshJwtVerify'), 'with a request verifier per kind')
  t.match(app.jwt.access.options.verify, { allowedIss: 'bookly', allowedAud: 'bookly:access', checkTyp: 'at+jwt' })
  t.match(app.jwt.refresh.options.verify, { allowedIss: 'bookly', allowedAud: 'bookly:refresh', checkTyp: 'rt+jwt' })

  const { access, refresh } = await signupAndLogin(app)
  const claims = jwtClaims(access) as TokenPayload
  t.same(app.jwt.access.verify(access, { key: TEST_SECRET }), claims, "the library's own verify takes the access token")
  t.throws(() => app.jwt.access.verify(refresh, { key: TEST_SECRET }), { code: 'FAST_JWT_INVALID_TYPE' }, 'and refuses a refresh token as one')

  // Tokens the library signs with the key the key store holds pass the guard; with another key they do not.
  const signed = app.jwt.access.sign({ ...claims, jti: crypto.randomUUID() }, { key: TEST_SECRET, algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } })
  t.equal((await me(app, signed)).statusCode, 200, 'a token @fastify/jwt signed with the service key passes')
  const otherKey = 'another secret of at least thirty-two characters'
  const foreign = app.jwt.access.sign(claims, { key: otherKey, algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } })
  t.throws(() => app.jwt.access.verify(foreign, { key: TEST_SECRET }), { code: 'FAST_JWT_INVALID_SIGNATURE' })
  t.equal(errorCode(await me(app, foreign)), 'invalid_token', 'what @fastify/jwt refuses, the guard refuses')
})

test("with key pairs the secret callback hands @fastify/jwt the key the token's kid names, for that key's algorithm only", async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const { access } = await signupAndLogin(app)
  const { kid } = jwtHeader(access)
  const row = await keyIn(app, 'current')
  t.equal(kid, row.kid)

  const claims = { ...jwtClaims(access), jti: crypto.randomUUID() } as TokenPayload
  const sign = (header: Record<string, string>) =>
    app.jwt.access.sign(claims, { key: privateKeyOf(row), algorithm: 'EdDSA', kid: row.kid, header: { alg: 'EdDSA', typ: 'at+jwt', ...header } })
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(sign({})) })).statusCode, 200, 'the current key, by its kid')
  t.equal(errorCode(await me(app, sign({ kid: 'unknown' }))), 'invalid_token', 'an unknown kid')
})
