import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { build } from '../../../../helper.js'
import { bearer, bookBody, createBook, errorCode, signupAndLogin } from '../../../../helpers/fixtures.js'

const url = '/api/v1/books'

test('create, read, update and delete a book', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const headers = bearer(user.access)

  const created = await app.inject({ method: 'POST', url, headers, payload: bookBody({ published_date: '2024-02-29' }) })
  t.equal(created.statusCode, 201)
  const book = created.json()
  t.same(Object.keys(book).sort(), ['author', 'created_at', 'language', 'page_count', 'published_date', 'publisher', 'title', 'uid', 'update_at', 'user_uid'])
  t.match(book, { ...bookBody({ published_date: '2024-02-29' }), user_uid: user.uid })
  t.match(book.uid, /^[0-9a-f-]{36}$/)
  t.ok(Date.parse(book.created_at))
  t.equal(book.update_at, book.created_at)

  const got = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers })
  t.equal(got.statusCode, 200)
  t.same(got.json(), book)

  // Backdated, so that the update's own time is visibly later even within one millisecond.
  await app.db.updateTable('books').set({ updated_at: '2000-01-01T00:00:00Z' }).where('uid', '=', book.uid).execute()
  const patched = await app.inject({ method: 'PATCH', url: `${url}/${book.uid}`, headers, payload: { title: 'Think Python, 2nd ed.', page_count: 300 } })
  t.equal(patched.statusCode, 200)
  t.same(patched.json(), { ...book, title: 'Think Python, 2nd ed.', page_count: 300, update_at: patched.json().update_at })
  t.ok(Date.parse(patched.json().update_at) >= Date.parse(book.update_at), 'update_at is set to the time of the update')

  const dateOnly = await app.inject({ method: 'PATCH', url: `${url}/${book.uid}`, headers, payload: { published_date: '1999-12-31' } })
  t.equal(dateOnly.json().published_date, '1999-12-31')
  t.equal(dateOnly.json().title, 'Think Python, 2nd ed.', 'fields not sent are kept')

  const deleted = await app.inject({ method: 'DELETE', url: `${url}/${book.uid}`, headers })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')

  const gone = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers })
  t.equal(gone.statusCode, 404)
  t.same(gone.json(), { statusCode: 404, error: 'Not Found', error_code: 'book_not_found', message: 'Book not found' })
})

test('published_date is returned exactly as stored, whatever the time zone', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  for (const date of ['0001-01-01', '0999-06-15', '1970-01-01', '2000-02-29', '9999-12-31']) {
    const book = await createBook(app, user.access, { published_date: date })
    t.equal(book.published_date, date, `created ${date}`)
    const got = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers: bearer(user.access) })
    t.equal(got.json().published_date, date, `read ${date}`)
  }
})

test('a missing book is 404 on every route', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const missing = `${url}/${randomUUID()}`
  for (const [method, payload] of [['GET'], ['PATCH', { title: 'x' }], ['DELETE']] as const) {
    const res = await app.inject({ method, url: missing, headers: bearer(user.access), payload })
    t.equal(res.statusCode, 404, method)
    t.equal(errorCode(res), 'book_not_found', method)
  }
})

test('a malformed uid is 422, never a 500', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  for (const uid of ['not-a-uuid', '123', "1' or '1'='1", '00000000-0000-0000-0000-00000000000g']) {
    for (const [method, payload] of [['GET'], ['PATCH', { title: 'x' }], ['DELETE']] as const) {
      const res = await app.inject({ method, url: `${url}/${encodeURIComponent(uid)}`, headers: bearer(user.access), payload })
      t.equal(res.statusCode, 422, `${method} ${uid}`)
      t.equal(errorCode(res), 'validation_error')
      t.match(res.json().message, /book_uid/)
    }
  }
  const byUser = await app.inject({ method: 'GET', url: `${url}/user/nope`, headers: bearer(user.access) })
  t.equal(byUser.statusCode, 422)
  t.match(byUser.json().message, /user_uid/)
})

test('every body rule answers 422 naming the field, on create and on update', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const headers = bearer(user.access)
  const book = await createBook(app, user.access)
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['Feb 30', { published_date: '2024-02-30' }, /published_date/],
    ['Feb 29 of a common year', { published_date: '2023-02-29' }, /published_date/],
    ['month 13', { published_date: '2024-13-01' }, /published_date/],
    ['year 0', { published_date: '0000-01-01' }, /published_date/],
    ['not zero-padded', { published_date: '2024-1-01' }, /published_date/],
    ['a date-time', { published_date: '2024-01-01T00:00:00Z' }, /published_date/],
    ['page_count 0', { page_count: 0 }, /page_count/],
    ['page_count -1', { page_count: -1 }, /page_count/],
    ['page_count 1.5', { page_count: 1.5 }, /page_count/],
    ['page_count beyond a 4-byte integer', { page_count: 2 ** 31 }, /page_count/],
    ['page_count not a number', { page_count: 'many' }, /page_count/],
    ['empty title', { title: '' }, /title/],
    ['title over 255', { title: 't'.repeat(256) }, /title/],
    ['empty author', { author: '' }, /author/],
    ['language over 50', { language: 'l'.repeat(51) }, /language/],
    ['unknown field', { isbn: '978-1491939369' }, /additional|isbn/],
    ['user_uid is not for the client to set', { user_uid: randomUUID() }, /additional|user_uid/]
  ]
  for (const [name, override, field] of cases) {
    const created = await app.inject({ method: 'POST', url, headers, payload: bookBody(override) })
    t.equal(created.statusCode, 422, `create: ${name}`)
    t.equal(errorCode(created), 'validation_error', `create: ${name}`)
    t.match(created.json().message, field, `create: ${name}`)
    const patched = await app.inject({ method: 'PATCH', url: `${url}/${book.uid}`, headers, payload: override })
    t.equal(patched.statusCode, 422, `update: ${name}`)
    t.match(patched.json().message, field, `update: ${name}`)
  }
  for (const field of Object.keys(bookBody())) {
    const res = await app.inject({ method: 'POST', url, headers, payload: bookBody({ [field]: undefined }) })
    t.equal(res.statusCode, 422, `create without ${field}`)
    t.match(res.json().message, new RegExp(field))
  }
  const empty = await app.inject({ method: 'PATCH', url: `${url}/${book.uid}`, headers, payload: {} })
  t.equal(empty.statusCode, 422, 'an empty update')
  const unchanged = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers })
  t.same(unchanged.json(), book, 'no rejected update changed the book')
})
