import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { build } from '../../../../helper.js'
import { bearer, createBook, errorCode, signupAndLogin } from '../../../../helpers/fixtures.js'

const url = '/api/v1/books'

test('lists are newest first, 20 by default, paged by limit and offset', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const headers = bearer(user.access)
  const created = []
  for (let i = 0; i < 25; i++) {
    created.push(await createBook(app, user.access, { title: `Book ${i}` }))
    // Books made within one tick of the database clock tie on created_at (ties go by uid, at random).
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const newestFirst = created.map((b) => b.uid).reverse()

  const mine = await app.inject({ method: 'GET', url: `${url}/user/${user.uid}`, headers })
  t.equal(mine.statusCode, 200)
  t.same(mine.json().map((b: { uid: string }) => b.uid), newestFirst.slice(0, 20), 'default limit 20, newest first')

  const page2 = await app.inject({ method: 'GET', url: `${url}/user/${user.uid}?limit=10&offset=20`, headers })
  t.same(page2.json().map((b: { uid: string }) => b.uid), newestFirst.slice(20), 'offset 20 leaves the 5 oldest')

  const all = await app.inject({ method: 'GET', url: `${url}/user/${user.uid}?limit=100`, headers })
  t.same(all.json().map((b: { uid: string }) => b.uid), newestFirst)

  const global = await app.inject({ method: 'GET', url, headers })
  t.equal(global.json().length, 20)
  t.same(global.json()[0], created[24], 'the newest book of all comes first, in full')
  const one = await app.inject({ method: 'GET', url: `${url}?limit=1&offset=1`, headers })
  t.same(one.json().map((b: { uid: string }) => b.uid), [created[23].uid])

  const past = await app.inject({ method: 'GET', url: `${url}?offset=1000000`, headers })
  t.same(past.json(), [], 'past the end is an empty page')
})

test('pagination bounds are 422', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  for (const path of [url, `${url}/user/${user.uid}`]) {
    for (const query of ['limit=0', 'limit=101', 'limit=-1', 'limit=1.5', 'limit=ten', 'offset=-1', 'offset=2147483648', 'page=2']) {
      const res = await app.inject({ method: 'GET', url: `${path}?${query}`, headers: bearer(user.access) })
      t.equal(res.statusCode, 422, `${path}?${query}`)
      t.equal(errorCode(res), 'validation_error')
    }
    for (const query of ['limit=1', 'limit=100', 'offset=0']) {
      const res = await app.inject({ method: 'GET', url: `${path}?${query}`, headers: bearer(user.access) })
      t.equal(res.statusCode, 200, `${path}?${query}`)
    }
  }
})

test("a user's books: only theirs; an unknown user has none", async (t) => {
  const app = await build(t)
  const alice = await signupAndLogin(app)
  const bob = await signupAndLogin(app)
  const a = await createBook(app, alice.access)
  await createBook(app, bob.access)
  const res = await app.inject({ method: 'GET', url: `${url}/user/${alice.uid}`, headers: bearer(bob.access) })
  t.same(res.json(), [a])
  const nobody = await app.inject({ method: 'GET', url: `${url}/user/${randomUUID()}`, headers: bearer(bob.access) })
  t.equal(nobody.statusCode, 200)
  t.same(nobody.json(), [])
})
