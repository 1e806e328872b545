import { test } from 'tap'
import { sql } from 'kysely'
import { build } from '../../../../helper.js'
import { signupBody, uniqueEmail, errorCode } from '../../../../helpers/fixtures.js'

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

test('passwords of 8 and 128 characters, any unicode, are accepted', async (t) => {
  const app = await build(t)
  for (const password of ['12345678', '🔐'.repeat(128), 'пароль-пароль', 'p'.repeat(128)]) {
    const res = await app.inject({ method: 'POST', url, payload: signupBody({ password }) })
    t.equal(res.statusCode, 201, `length ${[...password].length}`)
  }
})
