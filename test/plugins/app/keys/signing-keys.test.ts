import { test } from 'tap'
import { createPublicKey, verify } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { freshDatabase } from '../../../helpers/databases.js'
import { bearer, errorCode, signupAndLogin } from '../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../helpers/jwt.js'
import { jwks, keyIn, keyPairApp, keyRows, me, privateKeyOf, signToken } from '../../../helpers/keys.js'
import { publicKeyPem } from '../../../../plugins/app/keys/key-material.js'
import type { PublicJwk } from '../../../../db/types.js'

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
