import { test, type Test } from 'tap'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { build, type ConfigValues } from '../../../../helper.js'
import { signupBody, uniqueEmail, errorCode } from '../../../../helpers/fixtures.js'
import { queuedMailsTo } from '../../../../helpers/mail.js'
import { rangeBody, sha1Hex, someSuffix, startRangeServer } from '../../../../helpers/range-server.js'

const url = '/api/v1/auth/signup'

test('signup creates a user and returns it without any hash', async (t) => {
  const app = await build(t)
  const body = signupBody()
  const res = await app.inject({ method: 'POST', url, payload: body })
  t.equal(res.statusCode, 201)
  const user = res.json()
  t.same(Object.keys(user).sort(), ['created_at', 'email', 'first_name', 'is_verified', 'last_name', 'role', 'uid', 'update_at', 'username'])
  t.match(user, { username: 'reader', first_name: 'Ada', last_name: 'Lovelace', email: body.email, role: 'user', is_verified: false })
  t.match(user.uid, /^[0-9a-f-]{36}$/)
  t.ok(Date.parse(user.created_at))
  t.notMatch(res.body, /argon2|password/)
})

test('e-mail is trimmed and lower-cased; a case variant is a duplicate', async (t) => {
  const app = await build(t)
  const local = uniqueEmail('Alice')
  const first = await app.inject({ method: 'POST', url, payload: signupBody({ email: `  ${local.toUpperCase()} ` }) })
  t.equal(first.statusCode, 201)
  t.equal(first.json().email, local.toLowerCase())

  const again = await app.inject({ method: 'POST', url, payload: signupBody({ email: local.toLowerCase() }) })
  t.equal(again.statusCode, 403)
  t.same(again.json(), { statusCode: 403, error: 'Forbidden', error_code: 'user_exists', message: 'User with email already exists' })

  const variant = await app.inject({ method: 'POST', url, payload: signupBody({ email: local.replace('alice', 'ALICE') }) })
  t.equal(errorCode(variant), 'user_exists')
})

test('the database enforces uniqueness on lower(email), not only the application', async (t) => {
  const app = await build(t)
  const email = uniqueEmail()
  await app.db.insertInto('users').values({ username: 'a', first_name: '', last_name: '', email, password_hash: 'x' }).execute()
  await t.rejects(sql`insert into users (username, first_name, last_name, email, password_hash)
    values ('b', '', '', ${email.toUpperCase()}, 'x')`.execute(app.db), { code: '23505' })
})

test('20 concurrent signups with one address: one 201, nineteen 403, one row', async (t) => {
  const app = await build(t)
  const email = uniqueEmail('race')
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    app.inject({ method: 'POST', url, payload: signupBody({ email: i % 2 ? email : email.toUpperCase() }) })))
  const codes = responses.map((r) => r.statusCode)
  t.equal(codes.filter((c) => c === 201).length, 1)
  t.equal(codes.filter((c) => c === 403).length, 19)
  t.ok(responses.filter((r) => r.statusCode === 403).every((r) => errorCode(r) === 'user_exists'))
  const rows = await app.db.selectFrom('users').select('uid').where('email', '=', email).execute()
  t.equal(rows.length, 1)
})

test('every validation rule answers 422 naming the field', async (t) => {
  const app = await build(t)
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing username', { username: undefined }, /username/],
    ['empty username', { username: '' }, /username/],
    ['username over 50', { username: 'u'.repeat(51) }, /username/],
    ['first_name over 25', { first_name: 'f'.repeat(26) }, /first_name/],
    ['last_name over 25', { last_name: 'l'.repeat(26) }, /last_name/],
    ['missing email', { email: undefined }, /email/],
    ['not an e-mail', { email: 'not-an-email' }, /email/],
    ['email over 40', { email: `${'e'.repeat(36)}@x.io` }, /email/],
    ['password under 8', { password: 'short' }, /password/],
    ['password over 128', { password: 'p'.repeat(129) }, /password/],
    ['password not a string', { password: { a: 1 } }, /password/],
    ['unknown field (role)', { role: 'admin' }, /additional|role/]
  ]
  for (const [name, override, field] of cases) {
    const res = await app.inject({ method: 'POST', url, payload: signupBody(override) })
    t.equal(res.statusCode, 422, name)
    const body = res.json()
    t.equal(body.error_code, 'validation_error', name)
    t.match(body.message, field, name)
  }
})

test('passwords of 8 and 128 characters, any unicode, pass validation (with the strength check off)', async (t) => {
  const app = await build(t, { config: { PASSWORD_MIN_SCORE: 0 } })
  for (const password of ['12345678', '🔐'.repeat(128), 'пароль-пароль', 'p'.repeat(128)]) {
    const res = await app.inject({ method: 'POST', url, payload: signupBody({ password }) })
    t.equal(res.statusCode, 201, `length ${[...password].length}`)
  }
})

test('with the shipped policy, valid lengths still need strength: weak ones are 422 weak_password, strong ones in any script pass', async (t) => {
  const app = await build(t)
  for (const password of ['12345678', '🔐'.repeat(128), 'p'.repeat(128)]) {
    const res = await app.inject({ method: 'POST', url, payload: signupBody({ password }) })
    t.equal(errorCode(res), 'weak_password', `length ${[...password].length}`)
  }
  const strong = 'Vq8#tLm2!xR9@kW4$zN7%pB3^cF6&hJ1*dG5(sY0)eU8-aQ2+oI4=rT7~lK9.wM3'
  for (const password of ['Xk2#q9Lm!v7Rz', 'ёжик в тумане ищет лошадку', '🦊🌵🎻 plum ferry 🚲🧩', `${strong}${[...strong].reverse().join('')}`]) {
    const res = await app.inject({ method: 'POST', url, payload: signupBody({ password }) })
    t.equal(res.statusCode, 201, `length ${[...password].length}`)
  }
})

// An app whose argon2 hashes are counted.
async function buildCounting (t: Test, config: ConfigValues = {}) {
  const hashes = { count: 0 }
  const app = await build(t, {
    config,
    setup (app) {
      const { hash } = app.passwords
      app.passwords.hash = async (...args) => { hashes.count++; return hash(...args) }
    }
  })
  return { app, hashes }
}

// Whether signing up with this body left anything behind: the account, its mail.
async function stored (app: FastifyInstance, email: string) {
  return { user: await app.usersRepository.findByEmail(email), mails: await queuedMailsTo(app, email) }
}

test('a weak password is 422 weak_password naming /body/password, before any hash, and stores nothing', async (t) => {
  const { app, hashes } = await buildCounting(t)
  const body = signupBody({ password: 'qwertyuiop123' })
  const res = await app.inject({ method: 'POST', url, payload: body })
  const message = 'This password is too easy to guess. This is similar to a commonly used password. Add more words that are less common.'
  t.same(res.json(), { statusCode: 422, error: 'Unprocessable Entity', error_code: 'weak_password', message, errors: [{ path: '/body/password', message }] })
  t.equal(hashes.count, 0, 'no hash')
  t.same(await stored(app, body.email), { user: undefined, mails: 0 }, 'no account, no mail')
  t.equal((await app.inject({ method: 'POST', url, payload: { ...body, password: 'plum ferry quartz lantern' } })).statusCode, 201, 'a better password gets the account')
})

test('a password made of the account\'s own name is refused at signup; for another account it is fine', async (t) => {
  const app = await build(t)
  const own = signupBody({ username: 'vexmoriandl', first_name: 'Pellowyth', last_name: 'Drancasterix', password: 'Drancasterix!' })
  const res = await app.inject({ method: 'POST', url, payload: own })
  t.match(res.json(), { error_code: 'weak_password', errors: [{ path: '/body/password', message: /personal or page related data/ }] })
  t.same(await stored(app, own.email), { user: undefined, mails: 0 })
  t.equal((await app.inject({ method: 'POST', url, payload: signupBody({ password: own.password }) })).statusCode, 201)
})

test('with the breach check on, a breached password is 422 breached_password and stores nothing', async (t) => {
  const range = await startRangeServer(t)
  const { app, hashes } = await buildCounting(t, { PASSWORD_BREACH_URL: range.url })
  const breached = signupBody({ password: 'plum ferry quartz lantern' })
  range.answer = () => ({ body: rangeBody([[sha1Hex(breached.password).slice(5), 3], [someSuffix(), 0]]) })
  const res = await app.inject({ method: 'POST', url, payload: breached })
  t.match(res.json(), { statusCode: 422, error_code: 'breached_password', errors: [{ path: '/body/password', message: /appeared in a data breach/ }] })
  t.equal(hashes.count, 0, 'no hash')
  t.same(await stored(app, breached.email), { user: undefined, mails: 0 })
  t.equal((await app.inject({ method: 'POST', url, payload: signupBody({ password: 'tawny quiver ledger oboe' }) })).statusCode, 201, 'an unlisted one signs up')
  t.equal(range.requests.length, 2)
})
