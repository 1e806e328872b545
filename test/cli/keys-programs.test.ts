import { test } from 'tap'
import { bearer, errorCode, signupAndLogin } from '../helpers/fixtures.js'
import { jwtHeader } from '../helpers/jwt.js'
import { cliDatabase } from './helper.js'

const keyPairs = { JWT_ALGORITHM: 'EdDSA' }
const KID = '[A-Za-z0-9_-]{43}'

test('the keys commands refuse bad arguments and HMAC installations with one line and exit code 1', async (t) => {
  const keys = await cliDatabase(t, 'shared', keyPairs)
  const hmac = await cliDatabase(t, 'shared')
  const cases: Array<[string, typeof keys, Parameters<typeof keys.run>, RegExp]> = [
    ['an unknown key', keys, ['keys-revoke', ['nope']], /^bookly keys:revoke: no key with id nope\n$/],
    ['an unknown key id starting with a dash, as base64url ones may', keys, ['keys-revoke', ['-_oc']], /^bookly keys:revoke: no key with id -_oc\n$/],
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
