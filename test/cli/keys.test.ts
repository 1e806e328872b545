import { test } from 'tap'
import { bearer, errorCode, signupAndLogin } from '../helpers/fixtures.js'
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
    t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid === next), 'the running instance signs with it')
    t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(before.access) })).statusCode, 200, 'nobody was logged out')
    t.match((await cli.run('keys-list', [])).stdout, new RegExp(`${first}  EdDSA  previous  since ${ISO}, retires at ${ISO}`))

    const current = await cli.run('keys-revoke', [next ?? ''])
    t.equal(current.code, 1)
    t.match(current.stderr, /is the current signing key: run keys:rotate --now first, then revoke it/)

    const revoked = await cli.run('keys-revoke', [first])
    t.equal(revoked.stdout, `key ${first} revoked; 1 session(s) ended\n`)
    t.ok(await waitFor(async () => (await app.inject({ url: '/api/v1/auth/me', headers: bearer(before.access) })).statusCode === 401))
    t.match((await cli.run('keys-list', [])).stdout, new RegExp(`${first}  EdDSA  revoked   since ${ISO}`))
  })
})

test('the keys commands refuse bad arguments and HMAC installations with one line and exit code 1', async (t) => {
  const keys = await cliDatabase(t, 'shared', keyPairs)
  const hmac = await cliDatabase(t, 'shared')
  const cases: Array<[string, typeof keys, Parameters<typeof keys.run>, RegExp]> = [
    ['an unknown key', keys, ['keys-revoke', ['nope']], /^bookly keys:revoke: no key with id nope\n$/],
    ['no key id', keys, ['keys-revoke', []], /one key id is required; usage: npm run keys:revoke -- <kid>/],
    ['two key ids', keys, ['keys-revoke', ['a', 'b']], /one key id is required/],
    ['an unknown option', keys, ['keys-rotate', ['--force']], /Unknown option '--force'/],
    ['an argument to list', keys, ['keys-list', ['extra']], /Unexpected argument 'extra'/],
    ['rotating under HMAC', hmac, ['keys-rotate', []], /JWT_ALGORITHM is an HMAC algorithm, which signs with JWT_SECRET and keeps no keys/]
  ]
  for (const [name, cli, [command, args], message] of cases) {
    const res = await cli.run(command, args)
    t.equal(res.code, 1, name)
    t.match(res.stderr, message, name)
    t.match(res.stderr, /^bookly keys:[a-z]+: [^\n]+\n$/, `${name}: one line`)
    t.equal(res.stdout, '', name)
  }
})

test('npm run keys:list and keys:rotate as programs, configured by the environment, on a fresh install', async (t) => {
  const cli = await cliDatabase(t, 'data-dir', keyPairs)
  const list = await cli.spawn('keys-list', [])
  t.equal(list.code, 0, list.stderr)
  t.equal(list.stdout, 'no signing keys yet: the first start makes one\n')
  const rotated = await cli.run('keys-rotate', [])
  t.match(rotated.stdout, new RegExp(`^key ${KID} signs from now on\\n$`), 'with no key yet, the first one signs at once')
  await cli.withApp(async (app) => {
    const user = await signupAndLogin(app)
    t.equal(jwtHeader(user.access).kid, /^key (\S+)/.exec(rotated.stdout)?.[1])
    t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(`${user.access}x`) })), 'invalid_token')
  })
})
