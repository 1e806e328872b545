// Input the database cannot take as sent, over the real routes: text PostgreSQL cannot store,
// numbers that are not finite, UUIDs in other forms than the canonical one, and JSON bodies whose
// types are wrong. Each is a 422 in the error shape, before any password hash, with nothing stored.
import { test, type Test } from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { build } from '../../../helper.js'
import { bearer, bookBody, createBook, login, signupAdmin, signupAndLogin, signupBody, PASSWORD } from '../../../helpers/fixtures.js'
import { jwtClaims } from '../../../helpers/jwt.js'

// Every row of the tables a request could write; of the outbox, which the sender works through
// meanwhile, which mails there are.
async function snapshot (app: FastifyInstance) {
  const [users, books, sessions, tokens, outbox] = await Promise.all([
    app.db.selectFrom('users').selectAll().orderBy('uid').execute(),
    app.db.selectFrom('books').selectAll().orderBy('uid').execute(),
    app.db.selectFrom('sessions').selectAll().orderBy('id').execute(),
    app.db.selectFrom('account_tokens').selectAll().orderBy('token_hash').execute(),
    app.db.selectFrom('mail_outbox').select(['id', 'kind', 'recipient']).orderBy('id').execute()
  ])
  return { users, books, sessions, tokens, outbox }
}

// An app whose password hashing is observed: the count of argon2 hashes and verifications begun.
async function buildCounting (t: Test) {
  const hashes = { count: 0 }
  const app = await build(t, {
    setup (app) {
      const { hash, verify } = app.passwords
      app.passwords.hash = async (...args) => { hashes.count++; return hash(...args) }
      app.passwords.verify = async (...args) => { hashes.count++; return verify(...args) }
    }
  })
  return { app, hashes }
}

function assertValidationError (t: Test, res: LightMyRequestResponse, field: RegExp, label: string): void {
  t.equal(res.statusCode, 422, label)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['error', 'error_code', 'errors', 'message', 'statusCode'], `${label}: the error shape`)
  t.match(body, { statusCode: 422, error: 'Unprocessable Entity', error_code: 'validation_error' }, label)
  t.match(body.message, field, `${label}: names the field`)
}

// Sends each request and asserts a 422 naming the field, no hash begun and no row changed.
async function assertRefused (t: Test, app: FastifyInstance, hashes: { count: number }, cases: Array<[InjectOptions, RegExp]>) {
  const before = await snapshot(app)
  const hashesBefore = hashes.count
  for (const [request, field] of cases) {
    const res = await app.inject(request)
    assertValidationError(t, res, field, `${request.method ?? 'GET'} ${String(request.url)} ${JSON.stringify(request.payload ?? '')}`)
  }
  t.equal(hashes.count, hashesBefore, 'no password was hashed or verified')
  t.same(await snapshot(app), before, 'nothing was stored or changed')
}

const UNSTORABLE = { NUL: 'a\u0000b', 'a lone high surrogate': 'a\uD800b', 'a lone low surrogate': 'a\uDC00b', 'a reversed pair': '\uDE00\uD83D' }

test('text PostgreSQL cannot store as sent (NUL, lone surrogates) is 422 in every field, before any hash', async (t) => {
  const { app, hashes } = await buildCounting(t)
  const user = await signupAndLogin(app)
  const book = await createBook(app, user.access)
  const headers = bearer(user.access)
  for (const [name, bad] of Object.entries(UNSTORABLE)) {
    t.comment(name)
    const cases: Array<[InjectOptions, RegExp]> = []
    for (const field of ['username', 'first_name', 'last_name', 'email', 'password']) {
      const value = field === 'email' ? `${bad}@example.com` : field === 'password' ? `${PASSWORD}${bad}` : bad
      cases.push([{ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody({ [field]: value }) }, new RegExp(`body/${field}`)])
    }
    cases.push(
      [{ method: 'POST', url: '/api/v1/auth/login', payload: { email: `${bad}@example.com`, password: PASSWORD } }, /body\/email/],
      [{ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: `${PASSWORD}${bad}` } }, /body\/password/],
      [{ method: 'POST', url: '/api/v1/auth/change_password', headers, payload: { current_password: PASSWORD, new_password: `${PASSWORD}${bad}` } }, /body\/new_password/],
      [{ method: 'POST', url: '/api/v1/auth/change_password', headers, payload: { current_password: `${PASSWORD}${bad}`, new_password: 'another long passphrase' } }, /body\/current_password/],
      [{ method: 'POST', url: '/api/v1/auth/change_email', headers, payload: { new_email: `${bad}@example.com`, password: PASSWORD } }, /body\/new_email/],
      [{ method: 'POST', url: '/api/v1/auth/change_email', headers, payload: { new_email: 'elsewhere@example.com', password: `${PASSWORD}${bad}` } }, /body\/password/],
      [{ method: 'POST', url: '/api/v1/auth/resend_verification', payload: { email: `${bad}@example.com` } }, /body\/email/],
      [{ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: `${bad}@example.com` } }, /body\/email/],
      [{ method: 'POST', url: '/api/v1/auth/password-reset-confirm/sometoken', payload: { new_password: `${PASSWORD}${bad}`, confirm_new_password: `${PASSWORD}${bad}` } }, /body\/new_password/]
    )
    for (const field of ['title', 'author', 'publisher', 'language']) {
      cases.push(
        [{ method: 'POST', url: '/api/v1/books', headers, payload: bookBody({ [field]: bad }) }, new RegExp(`body/${field}`)],
        [{ method: 'PATCH', url: `/api/v1/books/${book.uid}`, headers, payload: { [field]: `${bad}` } }, new RegExp(`body/${field}`)]
      )
    }
    await assertRefused(t, app, hashes, cases)
  }
  // In a path (percent-encoded) and in a query string.
  await assertRefused(t, app, hashes, [
    [{ method: 'GET', url: '/api/v1/auth/verify/some%00token' }, /params\/token/],
    [{ method: 'GET', url: '/api/v1/auth/email-change/some%00token' }, /params\/token/],
    [{ method: 'POST', url: '/api/v1/auth/password-reset-confirm/some%00token', payload: { new_password: PASSWORD, confirm_new_password: PASSWORD } }, /params\/token/],
    [{ method: 'GET', url: `/api/v1/books/${book.uid}%00`, headers }, /params\/book_uid/],
    [{ method: 'GET', url: '/api/v1/auth/logout?scope=local%00', headers }, /querystring\/scope/]
  ])
  // Sent as raw JSON escapes too, as a client other than JSON.stringify would write them.
  const raw = JSON.stringify(bookBody()).replace('"Think Python"', '"Think\\u0000Python\\ud800"')
  await assertRefused(t, app, hashes, [[{ method: 'POST', url: '/api/v1/books', headers: { ...headers, 'content-type': 'application/json' }, payload: raw }, /body\/title/]])
  const stored = await app.inject({ url: `/api/v1/books/${book.uid}`, headers })
  t.same(stored.json(), book, 'the book is as it was')
})

test('well-formed text, astral characters included, is stored exactly, up to the column limits and no further', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const headers = bearer(user.access)
  // Limits count characters (code points), as varchar(n) does: a book emoji is two UTF-16 units.
  const emoji = '\u{1F4DA}'
  const longest = { title: emoji.repeat(255), author: 'é'.repeat(255), publisher: '\t\u0001\u007f'.repeat(85), language: emoji.repeat(50) }
  const created = await app.inject({ method: 'POST', url: '/api/v1/books', headers, payload: bookBody(longest) })
  t.equal(created.statusCode, 201)
  const row = await app.db.selectFrom('books').selectAll().where('uid', '=', created.json().uid).executeTakeFirstOrThrow()
  t.match(row, longest, 'stored exactly as sent')
  for (const [field, value] of Object.entries({ title: emoji.repeat(256), language: emoji.repeat(51) })) {
    assertValidationError(t, await app.inject({ method: 'POST', url: '/api/v1/books', headers, payload: bookBody({ [field]: value }) }), new RegExp(field), `${field} one too long`)
  }

  const profile = { username: emoji.repeat(50), first_name: emoji.repeat(25), last_name: 'ß'.repeat(25) }
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody(profile) })
  t.equal(signup.statusCode, 201)
  t.match(signup.json(), profile)
  for (const [field, value] of Object.entries({ username: emoji.repeat(51), first_name: emoji.repeat(26), last_name: 'ß'.repeat(26) })) {
    assertValidationError(t, await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody({ [field]: value }) }), new RegExp(field), `${field} one too long`)
  }
})

test('numbers in query strings are parsed from decimal digits into finite values only, within the columns\' range', async (t) => {
  const { app, hashes } = await buildCounting(t)
  const admin = await signupAdmin(app)
  const headers = bearer(admin.access)
  await createBook(app, admin.access)
  await createBook(app, admin.access)
  const lists = ['/api/v1/books', `/api/v1/books/user/${admin.uid}`, '/api/v1/admin/users']
  const cases: Array<[InjectOptions, RegExp]> = []
  for (const url of lists) {
    for (const name of ['limit', 'offset']) {
      for (const value of ['Infinity', '-Infinity', '+Infinity', '1e400', '-1e400', `1${'0'.repeat(400)}`, 'NaN', '2147483648', '1.5', 'ten', '', ' ', ' 1', '0x10', '1e1', '1_0', '١']) {
        cases.push([{ method: 'GET', url: `${url}?${name}=${encodeURIComponent(value)}`, headers }, new RegExp(`querystring/${name}`)])
      }
    }
  }
  await assertRefused(t, app, hashes, cases)
  for (const url of lists) {
    const page = await app.inject({ url: `${url}?limit=01&offset=1`, headers })
    t.equal(page.statusCode, 200, `${url}: digits are still numbers`)
    t.equal(page.json().length, 1)
  }
})

test('numbers in JSON bodies: finite, whole and within the integer column', async (t) => {
  const { app, hashes } = await buildCounting(t)
  const user = await signupAndLogin(app)
  const book = await createBook(app, user.access)
  const headers = { ...bearer(user.access), 'content-type': 'application/json' }
  const cases: Array<[InjectOptions, RegExp]> = []
  for (const value of ['1e400', '-1e400', '2147483648', '1.5', '0', '-1']) {
    const payload = JSON.stringify(bookBody()).replace('1234', value)
    cases.push(
      [{ method: 'POST', url: '/api/v1/books', headers, payload }, /body\/page_count/],
      [{ method: 'PATCH', url: `/api/v1/books/${book.uid}`, headers, payload: `{"page_count":${value}}` }, /body\/page_count/]
    )
  }
  await assertRefused(t, app, hashes, cases)
  const largest = await app.inject({ method: 'PATCH', url: `/api/v1/books/${book.uid}`, headers, payload: '{"page_count":2147483647}' })
  t.equal(largest.json().page_count, 2147483647, 'the largest int4 is stored')
})

test('UUIDs: only the canonical form, and one id whatever its case', async (t) => {
  const { app, hashes } = await buildCounting(t)
  const admin = await signupAdmin(app)
  const other = await signupAndLogin(app)
  const book = await createBook(app, admin.access)
  const headers = bearer(admin.access)
  const sid = jwtClaims(admin.access).sid as string

  t.test('other spellings of an id are 422 on every path parameter, and change nothing', async (t) => {
    const cases: Array<[InjectOptions, RegExp]> = []
    for (const form of [(id: string) => `urn:uuid:${id}`, (id: string) => `{${id}}`, (id: string) => id.replaceAll('-', ''), (id: string) => ` ${id}`]) {
      cases.push(
        [{ method: 'GET', url: `/api/v1/books/${encodeURIComponent(form(book.uid))}`, headers }, /params\/book_uid/],
        [{ method: 'PATCH', url: `/api/v1/books/${encodeURIComponent(form(book.uid))}`, headers, payload: { title: 'x' } }, /params\/book_uid/],
        [{ method: 'DELETE', url: `/api/v1/books/${encodeURIComponent(form(book.uid))}`, headers }, /params\/book_uid/],
        [{ method: 'GET', url: `/api/v1/books/user/${encodeURIComponent(form(admin.uid))}`, headers }, /params\/user_uid/],
        [{ method: 'PATCH', url: `/api/v1/admin/users/${encodeURIComponent(form(other.uid))}`, headers, payload: { role: 'admin' } }, /params\/uid/],
        [{ method: 'DELETE', url: `/api/v1/admin/users/${encodeURIComponent(form(other.uid))}`, headers }, /params\/uid/],
        [{ method: 'DELETE', url: `/api/v1/auth/sessions/${encodeURIComponent(form(sid))}`, headers }, /params\/sid/]
      )
    }
    await assertRefused(t, app, hashes, cases)
  })

  t.test("an admin's own uid in upper case is still their own: cannot_modify_self", async (t) => {
    const before = await snapshot(app)
    for (const [method, payload] of [['PATCH', { role: 'user' }], ['PATCH', { disabled: true }], ['DELETE', undefined]] as const) {
      const res = await app.inject({ method, url: `/api/v1/admin/users/${admin.uid.toUpperCase()}`, headers, payload })
      t.equal(res.statusCode, 403, method)
      t.same(res.json(), { statusCode: 403, error: 'Forbidden', error_code: 'cannot_modify_self', message: 'Admins cannot disable, demote or delete their own account' })
    }
    t.same(await snapshot(app), before, 'still an admin, still enabled, still there')
  })

  t.test('ids in upper case name the same row and are answered in lower case', async (t) => {
    const got = await app.inject({ url: `/api/v1/books/${book.uid.toUpperCase()}`, headers })
    t.same(got.json(), book)
    const byUser = await app.inject({ url: `/api/v1/books/user/${admin.uid.toUpperCase()}`, headers })
    t.same(byUser.json().map((b: { uid: string }) => b.uid), [book.uid])
    const forbidden = await app.inject({ method: 'DELETE', url: `/api/v1/books/${book.uid.toUpperCase()}`, headers: bearer(other.access) })
    t.equal(forbidden.statusCode, 403, 'the owner check sees the same book')

    const second = await login(app, admin.email)
    const ended = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${(jwtClaims(second.access).sid as string).toUpperCase()}`, headers })
    t.equal(ended.statusCode, 204)
    const cutOff = await app.inject({ url: '/api/v1/auth/me', headers: bearer(second.access) })
    t.equal(cutOff.statusCode, 401, 'that session has ended')

    const demoted = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${other.uid.toUpperCase()}`, headers, payload: { role: 'admin' } })
    t.equal(demoted.statusCode, 200)
    t.equal(demoted.json().uid, other.uid)
    const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/books/${book.uid.toUpperCase()}`, headers })
    t.equal(deleted.statusCode, 204)
  })
})

test('JSON bodies are validated, never coerced', async (t) => {
  const { app, hashes } = await buildCounting(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const book = await createBook(app, user.access)
  const headers = bearer(user.access)
  const wrong = { page_count: [true, '12', [12], null], title: [12, true, ['x'], null, {}], publisher: [['x'], 1], published_date: [20240101, ['2024-01-01']], language: [false] }
  const cases: Array<[InjectOptions, RegExp]> = []
  for (const [field, values] of Object.entries(wrong)) {
    for (const value of values) {
      cases.push(
        [{ method: 'POST', url: '/api/v1/books', headers, payload: bookBody({ [field]: value }) }, new RegExp(`body/${field}`)],
        [{ method: 'PATCH', url: `/api/v1/books/${book.uid}`, headers, payload: { [field]: value } }, new RegExp(`body/${field}`)]
      )
    }
  }
  const email = user.email.toUpperCase()
  cases.push(
    [{ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody({ email: [email] }) }, /body\/email/],
    [{ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody({ username: 42 }) }, /body\/username/],
    [{ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody({ password: 1234567890 }) }, /body\/password/],
    [{ method: 'POST', url: '/api/v1/auth/login', payload: { email: [email], password: PASSWORD } }, /body\/email/],
    [{ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: [PASSWORD] } }, /body\/password/],
    [{ method: 'POST', url: '/api/v1/auth/resend_verification', payload: { email: [email] } }, /body\/email/],
    [{ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: [email] } }, /body\/email/],
    [{ method: 'POST', url: '/api/v1/auth/change_password', headers, payload: { current_password: PASSWORD, new_password: 12345678901 } }, /body\/new_password/],
    [{ method: 'POST', url: '/api/v1/auth/change_email', headers, payload: { new_email: [email], password: PASSWORD } }, /body\/new_email/],
    [{ method: 'POST', url: '/api/v1/auth/change_email', headers, payload: { new_email: 'elsewhere@example.com', password: 12345678 } }, /body\/password/],
    [{ method: 'PATCH', url: `/api/v1/admin/users/${user.uid}`, headers: bearer(admin.access), payload: { disabled: 'true' } }, /body\/disabled/],
    [{ method: 'PATCH', url: `/api/v1/admin/users/${user.uid}`, headers: bearer(admin.access), payload: { disabled: 1 } }, /body\/disabled/],
    [{ method: 'PATCH', url: `/api/v1/admin/users/${user.uid}`, headers: bearer(admin.access), payload: { role: ['admin'] } }, /body\/role/],
    [{ method: 'POST', url: '/api/v1/books', headers, payload: [bookBody()] }, /body/],
    [{ method: 'POST', url: '/api/v1/books', headers: { ...headers, 'content-type': 'application/json' }, payload: 'null' }, /body/]
  )
  await assertRefused(t, app, hashes, cases)
  const stored = await app.inject({ url: `/api/v1/books/${book.uid}`, headers })
  t.same(stored.json(), book, 'the book is as it was')
})

test('header schemas: lower-case names are validated from text, any other case fails at start', async (t) => {
  const probe = (name: string) => (app: FastifyInstance) => {
    app.get('/probe', { schema: { headers: { type: 'object', properties: { [name]: { type: 'integer', maximum: 10 } }, required: [name] } } }, async (request) => ({ value: request.headers[name] }))
  }
  const app = await build(t, { setup: probe('x-probe') })
  t.same((await app.inject({ url: '/probe', headers: { 'X-Probe': '7' } })).json(), { value: 7 })
  for (const value of ['11', 'Infinity', '0x7']) {
    assertValidationError(t, await app.inject({ url: '/probe', headers: { 'x-probe': value } }), /headers\/x-probe/, `x-probe: ${value}`)
  }
  await t.rejects(build(t, { setup: probe('X-Probe') }), /GET \/probe: name headers in lower case/)
})
