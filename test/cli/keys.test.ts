import { test } from 'tap'
import { bearer, signupAndLogin } from '../helpers/fixtures.js'
import { jwtHeader } from '../helpers/jwt.js'
import { waitFor } from '../helpers/wait-for.js'
import { cliDatabase } from './helper.js'

const keyPairs = { JWT_ALGORITHM: 'EdDSA' }
const KID = '[A-Za-z0-9_-]{43}'
const ISO = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z'

test('keys:rotate, keys:list and keys:revoke on a running instance: rotation logs no one out, revocation ends the key\'s sessions', async (t) => {
  const cli = await cliDatabase(t, 'shared', keyPairs)
  await cli.withApp(async (app) => {
    const before = await signupAndLogin(app)
    const first = jwtHeader(before.access).kid

    const list = await cli.run('keys-list', [])
    t.equal(list.code, 0, list.stderr)
    t.match(list.stdout, new RegExp(`^${first}  EdDSA  current   since ${ISO}\\n$`))

    const delayed = await cli.run('keys-rotate', [])
    t.equal(delayed.code, 0, delayed.stderr)
    const next = new RegExp(`^key (${KID}) is published and signs from ${ISO}; ${first} signs until then\\n$`).exec(delayed.stdout)?.[1]
    t.ok(next, delayed.stdout)
    t.match((await cli.run('keys-list', [])).stdout, new RegExp(`${next}  EdDSA  next      since ${ISO}, signs from ${ISO}`))
    const again = await cli.run('keys-rotate', [])
    t.equal(again.code, 1)
    t.match(again.stderr, new RegExp(`^bookly keys:rotate: key ${next} already waits to sign from ${ISO}; run keys:rotate --now to make it sign at once\\n$`))

    const now = await cli.run('keys-rotate', ['--now'])
    t.equal(now.stdout, `key ${next} signs from now on; ${first} becomes previous and verifies until its tokens have expired\n`)
    t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid === next, 5000), 'the running instance signs with it')
    t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(before.access) })).statusCode, 200, 'nobody was logged out')
    t.match((await cli.run('keys-list', [])).stdout, new RegExp(`${first}  EdDSA  previous  since ${ISO}, retires at ${ISO}`))

    const current = await cli.run('keys-revoke', [next ?? ''])
    t.equal(current.code, 1)
    t.match(current.stderr, /is the current signing key: run keys:rotate --now first, then revoke it/)

    const revoked = await cli.run('keys-revoke', [first])
    t.equal(revoked.stdout, `key ${first} revoked; 1 session(s) ended\n`)
    t.ok(await waitFor(async () => (await app.inject({ url: '/api/v1/auth/me', headers: bearer(before.access) })).statusCode === 401, 5000))
    t.match((await cli.run('keys-list', [])).stdout, new RegExp(`${first}  EdDSA  revoked   since ${ISO}`))
  })
})
