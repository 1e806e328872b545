// examples/resource-server as its users run it: its own process, trusting a listening Bookly
// through Bookly's JWKS, while Bookly rotates its key with keys:rotate --now; and refusing forgeries.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { execute } from '../../cli/command.js'
import { keysRotate } from '../../cli/keys-rotate.js'
import { build } from '../helper.js'
import { freshDatabase } from '../helpers/databases.js'
import { bearer, signupAndLogin } from '../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../helpers/jwt.js'
import { keyIn, privateKeyOf, signToken } from '../helpers/keys.js'
import { waitFor } from '../helpers/wait-for.js'
import { tsxFlags } from '../helpers/program.js'

const exampleServer = join(import.meta.dirname, '../../examples/resource-server/server.ts')

// Starts the example and resolves with its URL once it listens.
async function startExample (t: { teardown (fn: () => unknown): void }, booklyUrl: string): Promise<string> {
  const child = spawn(process.execPath, [...tsxFlags, exampleServer], {
    env: { PATH: process.env.PATH ?? '', BOOKLY_URL: booklyUrl, HOST: '127.0.0.1', PORT: '0', JWKS_CACHE_TTL: '60' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { child.kill('SIGTERM') })
  for await (const line of createInterface({ input: child.stdout })) {
    const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]
    if (url !== undefined) {
      child.stdout.resume()
      return url
    }
  }
  throw new Error('the example resource server exited before it listened')
}

// A listening Bookly signing with EdDSA, and the example trusting it.
async function startPair (t: Parameters<typeof build>[0]) {
  const database = await freshDatabase()
  const bookly = await build(t, { database, config: { JWT_ALGORITHM: 'EdDSA' } })
  await bookly.listen({ host: '127.0.0.1', port: 0 })
  const booklyUrl = `http://127.0.0.1:${(bookly.server.address() as AddressInfo).port}`
  const example = await startExample(t, booklyUrl)
  const whoami = (token: string) => fetch(`${example}/whoami`, { headers: bearer(token) })
  return { database, bookly, booklyUrl, example, whoami }
}

test('the example resource server trusts Bookly\'s tokens through the JWKS, across a key rotation', async (t) => {
  const { database, bookly, booklyUrl, example, whoami } = await startPair(t)

  const before = await signupAndLogin(bookly)
  const first = await whoami(before.access)
  t.equal(first.status, 200)
  t.same(await first.json(), { sub: before.uid, email: before.email, role: 'user' })

  t.equal((await fetch(`${example}/whoami`)).status, 401, 'no token')
  t.equal((await whoami(before.refresh)).status, 401, 'a refresh token is not an access token')

  const rotation = await execute('keys:rotate', keysRotate, ['--now'], { config: bookly.config, stdin: Readable.from([]), pglite: database.pglite })
  t.equal(rotation.code, 0, rotation.stderr)
  const newKid = /^key (\S+) signs from now on/.exec(rotation.stdout)?.[1]
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(bookly)).access).kid === newKid, 5000), 'Bookly signs with the new key')

  const after = await signupAndLogin(bookly)
  t.equal((await whoami(after.access)).status, 200, 'a token of the new key: the example fetched the key set again')
  t.equal((await whoami(before.access)).status, 200, 'a token of the previous key still passes')

  // What the JWKS cannot tell: a logout. Bookly's own check refuses the token at once.
  await bookly.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(after.access) })
  t.equal((await fetch(`${booklyUrl}/api/v1/auth/verify`, { headers: bearer(after.access) })).status, 401, '/api/v1/auth/verify sees the logout')
  t.equal((await whoami(after.access)).status, 200, 'the example trusts the token until it expires')
})

test('the example accepts Bookly\'s EdDSA token and refuses every forgery of it', async (t) => {
  const { bookly, booklyUrl, whoami } = await startPair(t)
  const real = await signupAndLogin(bookly)
  const header = jwtHeader(real.access)
  const claims = jwtClaims(real.access)
  t.match(header, { alg: 'EdDSA', typ: 'at+jwt', kid: String })
  const accepted = await whoami(real.access)
  t.equal(accepted.status, 200, 'the real token')
  t.same(await accepted.json(), { sub: real.uid, email: real.email, role: 'user' })

  // Bookly's own private key re-signs what a forger would change: so a refusal below is the
  // signature's or the claim's doing, not a token this test built wrongly.
  const booklyKey = privateKeyOf(await keyIn(bookly, 'current'))
  t.equal((await whoami(signToken(header, claims, { privateKey: booklyKey }))).status, 200, 'the same token signed again by Bookly\'s key')

  const jwk = (await (await fetch(`${booklyUrl}/.well-known/jwks.json`)).json()).keys[0] as JsonWebKey
  const publicPem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
  const otherKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const admin = { ...claims, user: { ...claims.user, role: 'admin' } }
  const [signedPart] = real.access.split('.').slice(2)
  const now = Math.floor(Date.now() / 1000)
  const forgeries: Record<string, string> = {
    'signed by another Ed25519 key under Bookly\'s kid': signToken(header, admin, { privateKey: otherKey }),
    'signed by another Ed25519 key under a kid Bookly never had': signToken({ ...header, kid: 'attacker' }, admin, { privateKey: otherKey }),
    'alg none, no signature': `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(admin)).toString('base64url')}.`,
    'alg none, with the real signature': `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signedPart}`,
    'HS256 with the public key as PEM': signToken({ ...header, alg: 'HS256' }, admin, { secret: publicPem }),
    'HS256 with the public key as its JWK': signToken({ ...header, alg: 'HS256' }, admin, { secret: JSON.stringify(jwk) }),
    'payload tampered (role admin), the real signature kept': `${real.access.split('.')[0]}.${Buffer.from(JSON.stringify(admin)).toString('base64url')}.${signedPart}`,
    'signature of another token': `${real.access.split('.').slice(0, 2).join('.')}.${(await signupAndLogin(bookly)).access.split('.')[2]}`,
    'expired, signed by Bookly\'s key': signToken(header, { ...claims, iat: now - 7200, exp: now - 3600 }, { privateKey: booklyKey }),
    'another issuer, signed by Bookly\'s key': signToken(header, { ...claims, iss: 'evil' }, { privateKey: booklyKey }),
    'another typ, signed by Bookly\'s key': signToken({ ...header, typ: 'JWT' }, claims, { privateKey: booklyKey })
  }
  for (const [name, token] of Object.entries(forgeries)) {
    const res = await whoami(token)
    t.equal(res.status, 401, name)
    t.match(await res.json(), { error_code: 'invalid_token' }, `${name}: the error shape`)
  }
})
