import { test } from 'tap'
import { createPublicKey, verify } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { build } from '../../../helper.js'
import { freshDatabase, type TestDatabase } from '../../../helpers/databases.js'
import { bearer, errorCode, signupAndLogin, type LoggedIn } from '../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../helpers/jwt.js'
import { keyIn, keyRows, privateKeyOf, rotate, signToken } from '../../../helpers/keys.js'
import { waitFor } from '../../../helpers/wait-for.js'
import { publicKeyPem } from '../../../../plugins/app/keys/key-material.js'
import { revokeKey } from '../../../../plugins/app/keys/key-lifecycle.js'
import type { PublicJwk } from '../../../../db/types.js'

const me = (app: FastifyInstance, token: string) => app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })
const refresh = (app: FastifyInstance, token: string) => app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(token) })
const jwks = async (app: FastifyInstance) => (await app.inject({ url: '/.well-known/jwks.json' })).json().keys as Array<Record<string, string>>

// An app on a database of the test's own, so rotations elsewhere in this file do not reach it.
async function keyPairApp (t: Parameters<typeof build>[0], alg: 'EdDSA' | 'ES256' = 'EdDSA', database?: TestDatabase, config: Record<string, unknown> = {}) {
  return build(t, { database: database ?? await freshDatabase(), config: { JWT_ALGORITHM: alg, ...config } })
}

for (const [alg, kty, crv] of [['EdDSA', 'OKP', 'Ed25519'], ['ES256', 'EC', 'P-256']] as const) {
  test(`${alg}: the first start makes a key; tokens name it and verify against the published JWK`, async (t) => {
    const database = await freshDatabase()
    const app = await keyPairApp(t, alg, database)
    const second = await keyPairApp(t, alg, database)
    const rows = await keyRows(app)
    t.equal(rows.length, 1, 'one key, however many instances start')
    t.equal(rows[0]?.state, 'current')
    const kid = rows[0]?.kid ?? ''

    const user = await signupAndLogin(app)
    for (const [token, typ] of [[user.access, 'at+jwt'], [user.refresh, 'rt+jwt']]) {
      t.same(jwtHeader(token ?? ''), { alg, typ, kid })
    }
    t.equal((await me(app, user.access)).statusCode, 200)

    const res = await app.inject({ url: '/.well-known/jwks.json' })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], 'public, max-age=300', 'a third of the 900 s publish delay, at most 5 minutes')
    const [jwk, ...others] = res.json().keys
    t.same(others, [])
    t.same(Object.keys(jwk).sort(), (kty === 'EC' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x']))
    t.match(jwk, { kty, crv, kid, alg, use: 'sig' })

    // A resource server's check: the signature against the published key alone.
    const [header, payload, signature] = user.access.split('.')
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' })
    const data = Buffer.from(`${header}.${payload}`)
    const valid = alg === 'EdDSA'
      ? verify(null, data, publicKey, Buffer.from(signature ?? '', 'base64url'))
      : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature ?? '', 'base64url'))
    t.ok(valid, 'the token verifies with the published JWK')
    t.equal((await me(second, user.access)).statusCode, 200, 'the other instance verifies it')
  })
}

test('the private key is stored sealed: not readable, not movable to another key id, and not opened by another secret', async (t) => {
  const database = await freshDatabase()
  const app = await keyPairApp(t, 'EdDSA', database)
  const row = await keyIn(app, 'current')
  const pem = privateKeyOf(row)
  t.match(pem, /^-----BEGIN PRIVATE KEY-----/)
  const body = pem.split('\n').slice(1, -2).join('')
  t.notOk(row.private_key.includes(body), 'the stored value does not hold the key')
  t.notOk(row.private_key.includes('PRIVATE KEY'))
  t.throws(() => privateKeyOf({ ...row, kid: 'another-key' }), /cannot open/, 'bound to its key id')

  const otherSecret = 'another secret that is long enough to be valid 0123456789'
  await t.rejects(keyPairApp(t, 'EdDSA', database, { JWT_SECRET: otherSecret }), /cannot open the private key of signing key .* JWT_PREVIOUS_SECRETS/)
  const moved = await keyPairApp(t, 'EdDSA', database, { JWT_SECRET: otherSecret, JWT_PREVIOUS_SECRETS: app.config.JWT_SECRET })
  const user = await signupAndLogin(moved)
  t.equal(jwtHeader(user.access).kid, row.kid, 'with the former secret listed, the stored key signs again')
  t.equal((await me(app, user.access)).statusCode, 200)
})

test('algorithm confusion: a token HMAC-signed with the public key as the secret is refused', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const user = await signupAndLogin(app)
  const { kid } = jwtHeader(user.access)
  const claims = jwtClaims(user.access)
  const [jwk] = await jwks(app)
  const { kty, crv, x } = jwk ?? {}
  const pem = publicKeyPem({ kty, crv, x } as PublicJwk)
  const secrets = { 'the PEM': pem, 'the JWK as JSON': JSON.stringify(jwk), 'the x coordinate': x ?? '' }
  for (const [name, secret] of Object.entries(secrets)) {
    for (const alg of ['HS256', 'HS512']) {
      const forged = signToken({ alg, typ: 'at+jwt', kid }, claims, { secret })
      const res = await me(app, forged)
      t.equal(res.statusCode, 401, `${alg} with ${name}`)
      t.equal(errorCode(res), 'invalid_token', `${alg} with ${name}`)
    }
  }
  t.equal((await me(app, user.access)).statusCode, 200, 'the real token still works')
})

test('kid values that are paths, SQL, absurdly long, not strings or missing are 401 invalid_token; nothing a header names is fetched', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const user = await signupAndLogin(app)
  const claims = jwtClaims(user.access)
  const privateKey = privateKeyOf(await keyIn(app, 'current'))
  const keysBefore = await keyRows(app)

  // A key server of the attacker's: Bookly must never ask it anything.
  let fetched = 0
  const server = createServer((_req, res) => { fetched++; res.end('{}') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`

  const kids: Record<string, unknown> = {
    path: '../../../../etc/passwd',
    'absolute path': '/etc/passwd',
    'file URL': 'file:///etc/passwd',
    SQL: "' or 1=1 --",
    'SQL union': "x' union select kid from signing_keys --",
    'absurdly long': 'k'.repeat(100_000),
    'NUL byte': 'a\u0000b',
    number: 1,
    object: { $ne: '' },
    array: [keysBefore[0]?.kid],
    null: null
  }
  const cases: Record<string, string> = Object.fromEntries(Object.entries(kids).map(([name, kid]) =>
    [name, signToken({ alg: 'EdDSA', typ: 'at+jwt', kid }, claims, { privateKey })]))
  cases['no kid'] = signToken({ alg: 'EdDSA', typ: 'at+jwt' }, claims, { privateKey })
  for (const header of ['jku', 'x5u']) {
    cases[`${header} to the attacker's server, no kid`] = signToken({ alg: 'EdDSA', typ: 'at+jwt', [header]: url }, claims, { privateKey })
  }
  cases['embedded jwk of the right key, no kid'] = signToken({ alg: 'EdDSA', typ: 'at+jwt', jwk: (await jwks(app))[0] }, claims, { privateKey })

  for (const [name, token] of Object.entries(cases)) {
    const res = await app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })
    t.equal(res.statusCode, 401, name)
    t.equal(errorCode(res), 'invalid_token', name)
  }
  t.equal(fetched, 0, 'no key URL was fetched')
  t.same(await keyRows(app), keysBefore, 'the key table is untouched')
})

test('a next key is published at once and does not sign until the publish delay has passed', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const current = await keyIn(app, 'current')
  const rotation = await rotate(app, false)
  t.not(rotation.kid, current.kid)
  t.ok(rotation.signsFrom.getTime() > Date.now() + 800_000, 'signs after the 900 s default delay')
  t.ok(await waitFor(async () => (await jwks(app)).length === 2), 'published with the current key')
  t.same((await jwks(app)).map((key) => key.kid).sort(), [current.kid, rotation.kid].sort())

  const user = await signupAndLogin(app)
  t.equal(jwtHeader(user.access).kid, current.kid, 'the current key still signs')
  const refreshed = await refresh(app, user.refresh)
  t.equal(jwtHeader(refreshed.json().access_token).kid, current.kid)

  await t.rejects(rotate(app, false), /already waits to sign from .*--now/, 'a second rotation while one waits is refused')

  // Its time comes (as if the delay had passed): the instance makes it current by itself.
  await app.db.updateTable('signing_keys').set({ activates_at: sql`now() - interval '1 second'` }).where('kid', '=', rotation.kid).execute()
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid === rotation.kid, 5000), 'the next key signs once due')
  t.equal((await keyIn(app, 'previous')).kid, current.kid)
  t.equal((await me(app, user.access)).statusCode, 200, 'tokens of the former key still verify')
})

test('rotation logs no one out: the previous key verifies and refreshes into the new key', async (t) => {
  const app = await keyPairApp(t, 'ES256')
  const user = await signupAndLogin(app)
  const old = jwtHeader(user.access).kid
  const rotation = await rotate(app, true)
  t.equal(rotation.previous, old)
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid === rotation.kid), 'the new key signs')

  t.equal((await me(app, user.access)).statusCode, 200, 'the old access token verifies')
  const refreshed = await refresh(app, user.refresh)
  t.equal(refreshed.statusCode, 200, 'the old refresh token refreshes')
  t.equal(jwtHeader(refreshed.json().access_token).kid, rotation.kid, 'into a pair of the new key')
  t.same((await jwks(app)).map((key) => key.kid).sort(), [old, rotation.kid].sort(), 'both published')
})

test('a previous key retires once every token it signed has expired; its tokens are then refused', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const user = await signupAndLogin(app)
  const old = jwtHeader(user.access).kid
  await rotate(app, true)
  t.equal((await me(app, user.access)).statusCode, 200, 'verified (and remembered) while previous')

  // As if the refresh-token lifetime and the skew had passed since it stopped signing.
  await app.db.updateTable('signing_keys').set({ state_at: sql`now() - interval '3 days'` }).where('kid', '=', old).execute()
  t.ok(await waitFor(async () => (await me(app, user.access)).statusCode === 401, 5000), 'refused once retired')
  t.equal(errorCode(await me(app, user.access)), 'invalid_token')
  t.equal(errorCode(await refresh(app, user.refresh)), 'invalid_token')
  t.equal((await keyRows(app)).find((key) => key.kid === old)?.state, 'retired')
  t.notOk((await jwks(app)).some((key) => key.kid === old), 'no longer published')
})

test('revoking a key refuses its tokens at once and ends the sessions it signed; others live on', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const before: LoggedIn = await signupAndLogin(app)
  const old = jwtHeader(before.access).kid
  t.equal((await me(app, before.access)).statusCode, 200, 'verified, and remembered')
  await t.rejects(revokeKey(app.db, old, app.config), /is the current signing key: run keys:rotate --now first/)

  await rotate(app, true)
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid !== old))
  const after = await signupAndLogin(app)

  t.equal(await revokeKey(app.db, old, app.config), 1, 'one session was signed by it')
  // The session's revocation and the key's may reach the instance in either order: both refuse.
  t.ok(await waitFor(async () => (await me(app, before.access)).statusCode === 401), 'its access token is refused')
  t.ok(await waitFor(async () => !(await jwks(app)).some((key) => key.kid === old)), 'the instance dropped the key')
  t.equal(errorCode(await me(app, before.access)), 'invalid_token')
  t.equal(errorCode(await refresh(app, before.refresh)), 'invalid_token')
  const session = await app.db.selectFrom('sessions').select(['revoked_reason', 'revoked_at']).where('id', '=', jwtClaims(before.access).sid).executeTakeFirstOrThrow()
  t.equal(session.revoked_reason, 'key_revoked')
  t.ok(session.revoked_at)

  t.equal((await me(app, after.access)).statusCode, 200, 'a session of the new key lives on')
  await t.rejects(revokeKey(app.db, old, app.config), /already revoked/)
  await t.rejects(revokeKey(app.db, 'no-such-key', app.config), /no key with id no-such-key/)
})

test('two instances on one database agree on the current key after a rotation', async (t) => {
  const database = await freshDatabase()
  const one = await keyPairApp(t, 'EdDSA', database)
  const two = await keyPairApp(t, 'EdDSA', database)
  const first = await signupAndLogin(one)
  t.equal(jwtHeader((await signupAndLogin(two)).access).kid, jwtHeader(first.access).kid, 'one key for both')

  const rotation = await rotate(one, true)
  const signsWith = async (app: FastifyInstance) => jwtHeader((await signupAndLogin(app)).access).kid === rotation.kid
  t.ok(await waitFor(() => signsWith(two), 3000), 'the other instance signs with the new key within seconds')
  t.ok(await signsWith(one))
  const fromTwo = await signupAndLogin(two)
  t.equal((await me(one, fromTwo.access)).statusCode, 200, 'each verifies the other\'s new tokens')
  t.equal((await me(two, first.access)).statusCode, 200, 'and the tokens of the previous key')
  t.same((await jwks(one)).map((key) => key.kid).sort(), (await jwks(two)).map((key) => key.kid).sort(), 'both publish the same keys')
})

test('HS256 with JWT_PREVIOUS_SECRETS: tokens of a former secret keep working, new ones use JWT_SECRET', async (t) => {
  const database = await freshDatabase()
  const oldSecret = 'the former secret of at least thirty-two characters'
  const newSecret = 'the new secret of at least thirty-two characters too'
  const before = await build(t, { database, config: { JWT_SECRET: oldSecret } })
  const user = await signupAndLogin(before)

  const changed = await build(t, { database, config: { JWT_SECRET: newSecret, JWT_PREVIOUS_SECRETS: `x${'y'.repeat(40)},${oldSecret}` } })
  t.equal((await me(changed, user.access)).statusCode, 200, 'the old access token verifies')
  const refreshed = await refresh(changed, user.refresh)
  t.equal(refreshed.statusCode, 200, 'the old refresh token refreshes')
  const pair = refreshed.json()
  t.notOk('kid' in jwtHeader(pair.access_token), 'HMAC tokens carry no kid')
  t.equal(errorCode(await me(before, pair.access_token)), 'invalid_token', 'the new pair is signed with the new secret')
  t.equal((await me(changed, pair.access_token)).statusCode, 200)

  const dropped = await build(t, { database, config: { JWT_SECRET: newSecret } })
  const fresh = await signupAndLogin(before)
  t.equal(errorCode(await me(dropped, fresh.access)), 'invalid_token', 'without the former secret listed, its tokens are refused')
  t.equal((await jwks(changed)).length, 0, 'HMAC secrets are never published')
  const forged = signToken({ ...jwtHeader(fresh.access), kid: 'any' }, jwtClaims(fresh.access), { secret: oldSecret })
  t.equal(errorCode(await me(changed, forged)), 'invalid_token', 'an HMAC token naming a kid is refused')
})

test('JWT_PREVIOUS_SECRETS must list secrets of at least 32 characters', async (t) => {
  for (const value of ['short', `${'a'.repeat(40)},short`, `${'a'.repeat(40)},`]) {
    await t.rejects(build(t, { config: { JWT_PREVIOUS_SECRETS: value } }), /JWT_PREVIOUS_SECRETS/, value)
  }
})

test('the JWKS may be cached for less than the publish delay; under HMAC it is empty', async (t) => {
  for (const [delay, maxAge] of [[60, 20], [900, 300], [86400, 300], [0, 0]]) {
    const app = await build(t, { config: { KEY_PUBLISH_DELAY: delay } })
    const res = await app.inject({ url: '/.well-known/jwks.json' })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], `public, max-age=${maxAge}`, `KEY_PUBLISH_DELAY ${delay}`)
    t.same(res.json(), { keys: [] })
  }
})
