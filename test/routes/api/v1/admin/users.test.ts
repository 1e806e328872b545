import { test, type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { build } from '../../../../helper.js'
import { agedLogin, bearer, createBook, errorCode, login, signupAdmin, signupAndLogin, signupBody, PASSWORD, type LoggedIn } from '../../../../helpers/fixtures.js'
import { enableTwoFactor } from '../../../../helpers/two-factor.js'

const url = '/api/v1/admin/users'

const me = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })
const refresh = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/api/v1/auth/refresh_token', headers: bearer(token) })
const patch = (app: FastifyInstance, admin: LoggedIn, uid: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PATCH', url: `${url}/${uid}`, headers: bearer(admin.access), payload })
const tryLogin = (app: FastifyInstance, email: string, password = PASSWORD) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })

function assertCutOff (t: Test, responses: LightMyRequestResponse[], code: string): void {
  for (const res of responses) {
    t.equal(res.statusCode, 401)
    t.equal(errorCode(res), code)
  }
}

test('admin routes: no token 401, a user 403, an admin through', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const admin = await signupAdmin(app)
  const target = await signupAndLogin(app)
  const routes = [['GET', url], ['PATCH', `${url}/${target.uid}`], ['DELETE', `${url}/${target.uid}`]] as const
  for (const [method, path] of routes) {
    const payload = method === 'PATCH' ? { role: 'admin' } : undefined
    const none = await app.inject({ method, url: path, payload })
    t.equal(none.statusCode, 401, `${method} without a token`)
    t.equal(errorCode(none), 'not_authenticated')
    const asUser = await app.inject({ method, url: path, headers: bearer(user.access), payload })
    t.equal(asUser.statusCode, 403, `${method} as a user`)
    t.same(asUser.json(), {
      statusCode: 403,
      error: 'Forbidden',
      error_code: 'insufficient_permissions',
      message: 'You do not have enough permissions to perform this action'
    })
  }
  const untouched = await me(app, target.access)
  t.equal(untouched.json().role, 'user', "the users' attempts changed nothing")

  const list = await app.inject({ method: 'GET', url, headers: bearer(admin.access) })
  t.equal(list.statusCode, 200)
})

test('signing up as an admin is refused and creates nobody', async (t) => {
  const app = await build(t)
  const body = signupBody({ role: 'admin' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  t.equal(res.statusCode, 422)
  t.match(res.json().message, /additional|role/)
  const rows = await app.db.selectFrom('users').select('uid').where('email', '=', body.email).execute()
  t.same(rows, [])
})

test('the admin list is paged, newest first, shows disabled_at and never a hash', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const users = [await signupAndLogin(app), await signupAndLogin(app), await signupAndLogin(app)]
  const headers = bearer(admin.access)

  const firstTwo = await app.inject({ method: 'GET', url: `${url}?limit=2`, headers })
  t.same(firstTwo.json().map((u: { uid: string }) => u.uid), [users[2]?.uid, users[1]?.uid])
  const next = await app.inject({ method: 'GET', url: `${url}?limit=2&offset=2`, headers })
  t.same(next.json().map((u: { uid: string }) => u.uid), [users[0]?.uid, admin.uid])
  t.match(next.json()[1], { uid: admin.uid, email: admin.email, role: 'admin', disabled_at: null })
  t.notMatch(firstTwo.body + next.body, /argon2|password/)

  const all = await app.inject({ method: 'GET', url, headers })
  t.ok(all.json().length >= 4 && all.json().length <= 20, 'default page')
  for (const query of ['limit=0', 'limit=101', 'offset=-1', 'sort=email']) {
    const res = await app.inject({ method: 'GET', url: `${url}?${query}`, headers })
    t.equal(res.statusCode, 422, query)
  }
})

test("changing a role ends all of that user's sessions; the next login carries the new role", async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const secondDevice = await login(app, user.email)

  const res = await patch(app, admin, user.uid, { role: 'admin' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { uid: user.uid, role: 'admin', disabled_at: null })
  assertCutOff(t, [await me(app, user.access), await me(app, secondDevice.access), await refresh(app, user.refresh)], 'token_revoked')
  t.same(await app.db.selectFrom('sessions').select('revoked_reason').where('user_uid', '=', user.uid).execute(),
    [{ revoked_reason: 'role_changed' }, { revoked_reason: 'role_changed' }])

  const promoted = await login(app, user.email)
  const list = await app.inject({ method: 'GET', url, headers: bearer(promoted.access) })
  t.equal(list.statusCode, 200, 'the new token carries admin')

  const demoted = await patch(app, admin, user.uid, { role: 'user' })
  t.equal(demoted.json().role, 'user')
  assertCutOff(t, [await app.inject({ method: 'GET', url, headers: bearer(promoted.access) })], 'token_revoked')
})

test('setting the role a user already has ends nothing', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const res = await patch(app, admin, user.uid, { role: 'user' })
  t.equal(res.statusCode, 200)
  t.equal((await me(app, user.access)).statusCode, 200)
})

test('disabling cuts off live access and refresh tokens and blocks login, as a wrong password would', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const secondDevice = await login(app, user.email)

  const res = await patch(app, admin, user.uid, { disabled: true })
  t.equal(res.statusCode, 200)
  const disabledAt = res.json().disabled_at
  t.ok(Date.parse(disabledAt), 'disabled_at is set')
  assertCutOff(t, [
    await me(app, user.access), await me(app, secondDevice.access),
    await refresh(app, user.refresh), await refresh(app, secondDevice.refresh)
  ], 'token_revoked')

  const blocked = await tryLogin(app, user.email)
  const wrong = await tryLogin(app, user.email, 'not the password')
  t.equal(blocked.statusCode, 403)
  t.same(blocked.json(), wrong.json(), 'the same answer as a wrong password')
  t.equal(errorCode(blocked), 'invalid_email_or_password')

  const again = await patch(app, admin, user.uid, { disabled: true })
  t.equal(again.json().disabled_at, disabledAt, 'disabling twice keeps the first time')

  const enabled = await patch(app, admin, user.uid, { disabled: false })
  t.equal(enabled.json().disabled_at, null)
  const back = await login(app, user.email)
  t.equal((await me(app, back.access)).statusCode, 200, 'enabled again: login works')
})

test('disabling reaches another instance through the database', async (t) => {
  const app = await build(t)
  const other = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(other)
  t.equal((await me(other, user.access)).statusCode, 200)
  await patch(app, admin, user.uid, { disabled: true })
  let res = await me(other, user.access)
  for (let i = 0; i < 50 && res.statusCode === 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    res = await me(other, user.access)
  }
  assertCutOff(t, [res], 'token_revoked')
})

test('deleting a user cuts off their tokens, deletes their books, and a second delete is 404', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const reader = await signupAndLogin(app)
  const book = await createBook(app, user.access)

  const res = await app.inject({ method: 'DELETE', url: `${url}/${user.uid}`, headers: bearer(admin.access) })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  assertCutOff(t, [await me(app, user.access), await refresh(app, user.refresh)], 'invalid_token')
  t.equal(errorCode(await tryLogin(app, user.email)), 'invalid_email_or_password')
  const gone = await app.inject({ method: 'GET', url: `/api/v1/books/${book.uid}`, headers: bearer(reader.access) })
  t.equal(errorCode(gone), 'book_not_found')

  const again = await app.inject({ method: 'DELETE', url: `${url}/${user.uid}`, headers: bearer(admin.access) })
  t.equal(again.statusCode, 404)
  t.equal(errorCode(again), 'user_not_found')
})

test('missing users are 404; malformed uids and bodies are 422', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const missing = await patch(app, admin, randomUUID(), { role: 'admin' })
  t.equal(missing.statusCode, 404)
  t.equal(errorCode(missing), 'user_not_found')

  for (const method of ['PATCH', 'DELETE'] as const) {
    const res = await app.inject({ method, url: `${url}/not-a-uid`, headers: bearer(admin.access), payload: method === 'PATCH' ? { role: 'admin' } : undefined })
    t.equal(res.statusCode, 422, method)
    t.match(res.json().message, /uid/)
  }
  for (const body of [{}, { role: 'superuser' }, { disabled: 'maybe' }, { email: 'new@example.com' }, { role: 'admin', password_hash: 'x' }]) {
    const res = await patch(app, admin, user.uid, body)
    t.equal(res.statusCode, 422, JSON.stringify(body))
    t.equal(errorCode(res), 'validation_error')
  }
  t.equal((await me(app, user.access)).json().role, 'user', 'nothing changed')
})

test('an admin cannot disable, demote or delete their own account', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  for (const res of [
    await patch(app, admin, admin.uid, { role: 'user' }),
    await patch(app, admin, admin.uid, { disabled: true }),
    await app.inject({ method: 'DELETE', url: `${url}/${admin.uid}`, headers: bearer(admin.access) })
  ]) {
    t.equal(res.statusCode, 403)
    t.equal(errorCode(res), 'cannot_modify_self')
  }
  t.equal((await me(app, admin.access)).json().role, 'admin')
})

test('an admin token issued before the role was taken away no longer works on books either', async (t) => {
  const app = await build(t)
  const owner = await signupAndLogin(app)
  const admin = await signupAdmin(app)
  const otherAdmin = await signupAdmin(app)
  const book = await createBook(app, owner.access)
  t.equal((await patch(app, otherAdmin, admin.uid, { role: 'user' })).statusCode, 200)
  const del = await app.inject({ method: 'DELETE', url: `/api/v1/books/${book.uid}`, headers: bearer(admin.access) })
  assertCutOff(t, [del], 'token_revoked')
})

// The caller's admin role is checked again under a lock on both accounts, when the change is made:
// the tokens of both were still admin tokens when the requests arrived.
test('two admins demoting, disabling or deleting each other at the same moment: one wins, an admin remains', async (t) => {
  const app = await build(t)
  const changes = [
    ['PATCH', { role: 'user' }],
    ['PATCH', { disabled: true }],
    ['DELETE', undefined]
  ] as const
  for (const [method, payload] of changes) {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([signupAdmin(app), signupAdmin(app)])
      const results = await Promise.all(([[a, b], [b, a]] as const).map(([by, target]) => app.inject({
        method, url: `${url}/${target.uid}`, headers: bearer(by.access), payload
      })))
      const label = `${method} ${JSON.stringify(payload)}, round ${round}`
      const [won, lost] = results[0]?.statusCode === 403 || results[0]?.statusCode === 401 ? [results[1], results[0]] : [results[0], results[1]]
      t.equal(won?.statusCode, method === 'DELETE' ? 204 : 200, `${label}: one succeeds`)
      // 403 when its request passed the guard before the other's change; 401 had it come after.
      t.ok(lost !== undefined && (lost.statusCode === 403 ? errorCode(lost) === 'insufficient_permissions' : lost.statusCode === 401),
        `${label}: the other is refused: ${lost?.statusCode} ${lost && errorCode(lost)}`)
      const remaining = await app.db.selectFrom('users').select(['role', 'disabled_at'])
        .where('uid', 'in', [a.uid, b.uid]).execute()
      t.equal(remaining.filter((row) => row.role === 'admin' && row.disabled_at === null).length, 1, `${label}: one of the two is still an enabled admin`)
    }
  }
})

test('an admin turns two-factor off for an account that lost its app and codes; its password alone logs in again', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const off = (who: LoggedIn, uid = user.uid) => app.inject({ method: 'DELETE', url: `${url}/${uid}/two-factor`, headers: bearer(who.access) })

  t.equal(errorCode(await off(admin)), 'two_factor_not_enabled')
  await enableTwoFactor(app, user)
  t.equal((await tryLogin(app, user.email)).statusCode, 202, 'two-factor is on')

  const refused = await off(user)
  t.equal(refused.statusCode, 403)
  t.equal(errorCode(refused), 'insufficient_permissions')
  t.equal(errorCode(await off(admin, admin.uid)), 'cannot_modify_self')
  t.equal(errorCode(await off(admin, randomUUID())), 'user_not_found')
  t.equal((await off(admin, 'not-a-uid')).statusCode, 422)
  const aged = await agedLogin(app, await login(app, admin.email))
  t.equal(errorCode(await off(aged)), 'recent_login_required', 'an old admin login may not')
  t.equal((await tryLogin(app, user.email)).statusCode, 202, 'still on')

  const fresh = await login(app, admin.email)
  const res = await off(fresh)
  t.equal(res.statusCode, 204)
  t.equal((await tryLogin(app, user.email)).statusCode, 200, 'the password alone logs in')
  t.equal((await app.db.selectFrom('recovery_codes').select('user_uid').where('user_uid', '=', user.uid).execute()).length, 0)
  const events = await app.db.selectFrom('security_events').select('detail').where('user_uid', '=', user.uid).where('type', '=', 'two_factor_disabled').execute()
  t.same(events, [{ detail: { by: admin.uid } }])
  t.equal(errorCode(await off(fresh)), 'two_factor_not_enabled')
})
