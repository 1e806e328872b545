import { test } from 'tap'
import { build } from '../../../../helper.js'
import { bearer, createBook, errorCode, signupAdmin, signupAndLogin } from '../../../../helpers/fixtures.js'

const url = '/api/v1/books'

test('every books route needs a valid access token', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const book = await createBook(app, user.access)
  const routes = [
    ['GET', url], ['POST', url], ['GET', `${url}/${book.uid}`], ['PATCH', `${url}/${book.uid}`],
    ['DELETE', `${url}/${book.uid}`], ['GET', `${url}/user/${user.uid}`]
  ] as const
  for (const [method, path] of routes) {
    const none = await app.inject({ method, url: path, payload: method === 'POST' || method === 'PATCH' ? { title: 'x' } : undefined })
    t.equal(none.statusCode, 401, `${method} ${path} without a token`)
    t.equal(errorCode(none), 'not_authenticated')
    const refresh = await app.inject({ method, url: path, headers: bearer(user.refresh) })
    t.equal(refresh.statusCode, 401, `${method} ${path} with a refresh token`)
    t.equal(errorCode(refresh), 'access_token_required')
    const garbage = await app.inject({ method, url: path, headers: bearer('a.b.c') })
    t.equal(errorCode(garbage), 'invalid_token')
  }
  const still = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers: bearer(user.access) })
  t.equal(still.statusCode, 200, 'nothing was changed by the rejected requests')
  t.same(still.json(), book)
})

test('anyone signed in reads; only the owner changes or deletes', async (t) => {
  const app = await build(t)
  const owner = await signupAndLogin(app)
  const other = await signupAndLogin(app)
  const book = await createBook(app, owner.access)

  const read = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers: bearer(other.access) })
  t.equal(read.statusCode, 200)
  const byUser = await app.inject({ method: 'GET', url: `${url}/user/${owner.uid}`, headers: bearer(other.access) })
  t.same(byUser.json().map((b: { uid: string }) => b.uid), [book.uid])

  const patch = await app.inject({ method: 'PATCH', url: `${url}/${book.uid}`, headers: bearer(other.access), payload: { title: 'Mine now' } })
  t.equal(patch.statusCode, 403)
  t.equal(errorCode(patch), 'insufficient_permissions')
  const del = await app.inject({ method: 'DELETE', url: `${url}/${book.uid}`, headers: bearer(other.access) })
  t.equal(del.statusCode, 403)
  t.equal(errorCode(del), 'insufficient_permissions')

  const after = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers: bearer(owner.access) })
  t.same(after.json(), book, 'unchanged')
})

test("an admin may change and delete anyone's book; the owner stays the owner", async (t) => {
  const app = await build(t)
  const owner = await signupAndLogin(app)
  const admin = await signupAdmin(app)
  const book = await createBook(app, owner.access)

  const patch = await app.inject({ method: 'PATCH', url: `${url}/${book.uid}`, headers: bearer(admin.access), payload: { language: 'French' } })
  t.equal(patch.statusCode, 200)
  t.equal(patch.json().language, 'French')
  t.equal(patch.json().user_uid, owner.uid)

  const del = await app.inject({ method: 'DELETE', url: `${url}/${book.uid}`, headers: bearer(admin.access) })
  t.equal(del.statusCode, 204)
  const gone = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers: bearer(owner.access) })
  t.equal(errorCode(gone), 'book_not_found')
})

test('deleting a user deletes their books', async (t) => {
  const app = await build(t)
  const owner = await signupAndLogin(app)
  const reader = await signupAndLogin(app)
  const book = await createBook(app, owner.access)
  await app.db.deleteFrom('users').where('uid', '=', owner.uid).execute()
  const res = await app.inject({ method: 'GET', url: `${url}/${book.uid}`, headers: bearer(reader.access) })
  t.equal(errorCode(res), 'book_not_found')
})
