import tap, { test } from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { bearer, login, uniqueEmail } from '../helpers/fixtures.js'
import { cliDatabase } from './helper.js'

// The first test starts the program as a process of its own (tsx, and on PGlite the database).
tap.setTimeout(300_000)

const password = 'first admin password'

test('user:create makes an admin on a fresh database, password from stdin; that admin can log in and administer', async (t) => {
  const cli = await cliDatabase(t, 'data-dir')
  const email = uniqueEmail('Boss')
  const res = await cli.spawn('user-create', ['--email', `  ${email.toUpperCase()} `, '--admin', '--username', 'boss'], `${password}\n`)
  t.equal(res.code, 0, res.stderr)
  t.match(res.stdout, new RegExp(`^created admin ${email.toLowerCase()} \\([0-9a-f-]{36}\\)\\n$`))
  t.equal(res.stderr, '')
  t.ok(existsSync(join(cli.cwd, '.env')), '.env is written in the working directory, not the repository')

  await cli.withApp(async (app) => {
    const user = await app.usersRepository.findByEmail(email.toLowerCase())
    t.match(user, { username: 'boss', first_name: '', last_name: '', role: 'admin', disabled_at: null })
    t.match(user?.password_hash, /^\$argon2id\$/)
    const admin = await login(app, email.toLowerCase(), password)
    const list = await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(admin.access) })
    t.equal(list.statusCode, 200)
  })
})

test('user:create without --admin makes a user; the username defaults to the local part; an existing e-mail is refused', async (t) => {
  const cli = await cliDatabase(t)
  const email = uniqueEmail('reader')
  const created = await cli.run('user-create', ['--email', email, '--first-name', 'Ada'], `${password}\r\n`)
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^created user /)

  const again = await cli.run('user-create', ['--email', email.toUpperCase(), '--admin'], `${password}\n`)
  t.equal(again.code, 1)
  t.equal(again.stderr, `bookly user:create: a user with e-mail ${email} already exists\n`)
  t.equal(again.stdout, '')

  await cli.withApp(async (app) => {
    const user = await app.usersRepository.findByEmail(email)
    t.match(user, { username: email.split('@')[0], first_name: 'Ada', role: 'user', is_verified: true })
    t.equal(await app.db.selectFrom('mail_outbox').select('id').where('recipient', '=', email).executeTakeFirst(), undefined, 'and no mail is sent')
    await login(app, email, password)
    t.pass('the password is used exactly as given, without the line ending')
  })
})

test('user:create rejects bad arguments with one line and exit code 1, before touching any database', async (t) => {
  const cli = await cliDatabase(t, 'data-dir')
  const cases: Array<[string, string[], string, RegExp]> = [
    ['no --email', ['--admin'], `${password}\n`, /--email is required/],
    ['an unknown option', ['--email', uniqueEmail(), '--role', 'admin'], `${password}\n`, /Unknown option '--role'/],
    ['a stray argument', ['--email', uniqueEmail(), 'admin'], `${password}\n`, /Unexpected argument 'admin'/],
    ['not an e-mail', ['--email', 'not-an-email'], `${password}\n`, /--email must match format "email"/],
    ['a username over 50', ['--email', uniqueEmail(), '--username', 'u'.repeat(51)], `${password}\n`, /--username must NOT have more than 50 characters/],
    ['a short password', ['--email', uniqueEmail()], 'short\n', /password must NOT have fewer than 8 characters/],
    ['a weak password', ['--email', uniqueEmail()], 'qwertyuiop123\n',
      /: This password is too easy to guess\. This is similar to a commonly used password\. Add more words that are less common\.\n$/],
    ['the username as the password', ['--email', uniqueEmail(), '--username', 'vexmoriandl'], 'vexmoriandl2024\n', /too easy to guess\. There should not be any personal/],
    ['no password on stdin', ['--email', uniqueEmail()], '', /no password on standard input/]
  ]
  const results = await Promise.all(cases.map(async ([name, args, stdin, message]) =>
    ({ name, message, res: await cli.run('user-create', args, stdin) })))
  for (const { name, message, res } of results) {
    t.equal(res.code, 1, name)
    t.match(res.stderr, message, name)
    t.match(res.stderr, /^bookly user:create: [^\n]+\n$/, `${name}: one line`)
    t.equal(res.stdout, '', name)
  }
  t.notOk(existsSync(join(cli.cwd, 'data')), 'no database was opened')
})
