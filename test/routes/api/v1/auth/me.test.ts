import { test } from 'tap'
import { build } from '../../../../helper.js'
import { bearer, createBook, errorCode, signupAndLogin } from '../../../../helpers/fixtures.js'

test("me is the caller with their books, newest first, and nobody else's", async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const other = await signupAndLogin(app)

  const before = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(user.access) })
  t.equal(before.statusCode, 200)
  t.match(before.json(), { uid: user.uid, email: user.email, role: 'user', books: [] })
  t.notMatch(before.body, /password|argon2/)

  const first = await createBook(app, user.access, { title: 'First' })
  const second = await createBook(app, user.access, { title: 'Second' })
  await createBook(app, other.access, { title: 'Not mine' })

  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(user.access) })
  const me = res.json()
  t.same(Object.keys(me).sort(), ['books', 'created_at', 'email', 'first_name', 'is_verified', 'last_name', 'role', 'uid', 'update_at', 'username'])
  t.same(me.books, [second, first])
})

test('me needs an access token', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me' })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'not_authenticated')
})

test('me reads the user from the database, not from the token', async (t) => {
  const app = await build(t)
  const { access, uid, email } = await signupAndLogin(app, { username: 'bookworm' })
  await app.db.updateTable('users').set({ first_name: 'Changed' }).where('uid', '=', uid).execute()
  const res = await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { uid, email, username: 'bookworm', first_name: 'Changed', role: 'user' })
})
