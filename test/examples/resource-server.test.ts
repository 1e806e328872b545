// examples/resource-server as its users run it: its own process, trusting a listening Bookly
// through Bookly's JWKS, while Bookly rotates its key with keys:rotate --now.
import { test } from 'tap'
import { spawn } from 'node:child_process'
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
import { signToken } from '../helpers/keys.js'
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

test('the example resource server trusts Bookly\'s tokens through the JWKS, across a key rotation', async (t) => {
  const database = await freshDatabase()
  const bookly = await build(t, { database, config: { JWT_ALGORITHM: 'EdDSA' } })
  await bookly.listen({ host: '127.0.0.1', port: 0 })
  const booklyUrl = `http://127.0.0.1:${(bookly.server.address() as AddressInfo).port}`
  const example = await startExample(t, booklyUrl)
  const whoami = (token: string) => fetch(`${example}/whoami`, { headers: bearer(token) })

  const before = await signupAndLogin(bookly)
  const first = await whoami(before.access)
  t.equal(first.status, 200)
  t.same(await first.json(), { sub: before.uid, email: before.email, role: 'user' })

  t.equal((await fetch(`${example}/whoami`)).status, 401, 'no token')
  t.equal((await whoami(before.refresh)).status, 401, 'a refresh token is not an access token')
  const claims = jwtClaims(before.access)
  const keys = (await (await fetch(`${booklyUrl}/.well-known/jwks.json`)).json()).keys
  const forged = signToken({ alg: 'HS256', typ: 'at+jwt', kid: jwtHeader(before.access).kid }, claims, { secret: JSON.stringify(keys[0]) })
  t.equal((await whoami(forged)).status, 401, 'HMAC-signed with the public key')

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
