import { test } from 'tap'
import { bearer, errorCode, login, uniqueEmail, type LoggedIn } from '../helpers/fixtures.js'
import { cliDatabase } from './helper.js'

const password = 'a user password'

test("user:role makes an admin and ends the user's sessions; the next login carries the role", async (t) => {
  const cli = await cliDatabase(t)
  const email = uniqueEmail()
  t.equal((await cli.run('user-create', ['--email', email], `${password}\n`)).code, 0)

  let before: LoggedIn | undefined
  await cli.withApp(async (app) => {
    before = await login(app, email, password)
    const list = await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(before.access) })
    t.equal(errorCode(list), 'insufficient_permissions')
  })

  const res = await cli.run('user-role', ['--email', email.toUpperCase(), '--role', 'admin'])
  t.equal(res.code, 0, res.stderr)
  t.equal(res.stdout, `${email} now has role admin; 1 session(s) ended\n`)

  await cli.withApp(async (app) => {
    const old = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(before?.access ?? '') })
    t.equal(old.statusCode, 401)
    t.equal(errorCode(old), 'token_revoked')
    const stale = await app.inject({ method: 'GET', url: '/api/v1/auth/refresh_token', headers: bearer(before?.refresh ?? '') })
    t.equal(errorCode(stale), 'token_revoked')
    const admin = await login(app, email, password)
    const list = await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(admin.access) })
    t.equal(list.statusCode, 200)
    const events = await app.inject({ url: '/api/v1/auth/security-events', headers: bearer(admin.access) })
    const change = events.json().find((event: { type: string }) => event.type === 'role_changed')
    t.same(change?.detail, { from: 'user', to: 'admin', by: 'cli' }, 'the change is a security event of the account')
  })

  const same = await cli.run('user-role', ['--email', email, '--role', 'admin'])
  t.equal(same.code, 0)
  t.equal(same.stdout, `${email} already has role admin\n`)

  const back = await cli.run('user-role', ['--email', email, '--role', 'user'])
  t.equal(back.stdout, `${email} now has role user; 1 session(s) ended\n`)
})

test('user:role rejects an unknown user and bad arguments with one line and exit code 1', async (t) => {
  const cli = await cliDatabase(t)
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown user', ['--email', 'nobody@example.com', '--role', 'admin'], /no user with e-mail nobody@example.com/],
    ['no --role', ['--email', 'nobody@example.com'], /--email and --role are required/],
    ['no --email', ['--role', 'admin'], /--email and --role are required/],
    ['an unknown role', ['--email', 'nobody@example.com', '--role', 'root'], /--role must be one of: user, admin/],
    ['an unknown option', ['--email', 'nobody@example.com', '--role', 'admin', '--force'], /Unknown option '--force'/]
  ]
  const results = await Promise.all(cases.map(async ([name, args, message]) =>
    ({ name, message, res: await cli.run('user-role', args) })))
  for (const { name, message, res } of results) {
    t.equal(res.code, 1, name)
    t.match(res.stderr, message, name)
    t.match(res.stderr, /^bookly user:role: [^\n]+\n$/, `${name}: one line`)
    t.equal(res.stdout, '', name)
  }
})
