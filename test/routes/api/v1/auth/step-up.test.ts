// Step-up: the access token says when and how its session was logged in to (auth_time, amr),
// refreshing keeps both, and an old login may not change the password or end other sessions.
import { test } from 'tap'
import { createHmac } from 'node:crypto'
import { build, TEST_SECRET } from '../../../../helper.js'
import { agedLogin, bearer, errorCode, login, signupAndLogin, PASSWORD, type LoggedIn } from '../../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../../helpers/jwt.js'

const NEW_PASSWORD = 'Quiet-Ostrich-Carves-Marble-41'

const sidOf = (user: LoggedIn): string => jwtClaims(user.access).sid

test('the access token carries auth_time and amr; a refresh keeps both, the refresh token carries neither', async (t) => {
  const app = await build(t)
  const before = Math.floor(Date.now() / 1000)
  const user = await signupAndLogin(app)
  const claims = jwtClaims(user.access)
  t.ok(claims.auth_time >= before && claims.auth_time <= claims.iat, 'auth_time is the login')
  t.same(claims.amr, ['pwd'])
  t.notOk('auth_time' in jwtClaims(user.refresh))
  t.notOk('amr' in jwtClaims(user.refresh))

  await new Promise((resolve) => setTimeout(resolve, 1100))
  const res = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })
  t.equal(res.statusCode, 200)
  const refreshed = jwtClaims(res.json().access_token)
  t.ok(refreshed.iat > claims.iat, 'a new token')
  t.equal(refreshed.auth_time, claims.auth_time, 'of the same login')
  t.same(refreshed.amr, ['pwd'])

  // The reuse window hands out the same pair again, with the same login in it.
  const again = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })
  t.equal(again.statusCode, 200)
  t.equal(again.json().access_token, res.json().access_token)
})

test('an old login may not change the password; a fresh one may', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const old = await agedLogin(app, user)
  const payload = { current_password: PASSWORD, new_password: NEW_PASSWORD }
  const refused = await app.inject({ method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(old.access), payload })
  t.equal(refused.statusCode, 401)
  t.same(refused.json(), {
    statusCode: 401,
    error: 'Unauthorized',
    error_code: 'recent_login_required',
    message: 'This needs a recent login: log in again and retry with the new access token'
  })
  await t.resolves(login(app, user.email, PASSWORD), 'the password is unchanged')

  const fresh = await login(app, user.email)
  const done = await app.inject({ method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(fresh.access), payload })
  t.equal(done.statusCode, 200)
  await t.resolves(login(app, user.email, NEW_PASSWORD))
})

test('an old login may end its own session but not the others', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const other = await login(app, user.email)
  const old = await agedLogin(app, user)
  const alive = async (who: LoggedIn) => (await app.inject({ url: '/api/v1/auth/me', headers: bearer(who.access) })).statusCode === 200

  const others = await app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=others', headers: bearer(old.access) })
  t.equal(others.statusCode, 401)
  t.equal(errorCode(others), 'recent_login_required')
  const one = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${sidOf(other)}`, headers: bearer(old.access) })
  t.equal(one.statusCode, 401)
  t.equal(errorCode(one), 'recent_login_required')
  t.ok(await alive(other), 'the other session lives on')
  const events = await app.db.selectFrom('security_events').select('type').where('user_uid', '=', user.uid).where('type', '=', 'sessions_revoked').execute()
  t.equal(events.length, 0, 'nothing was recorded')

  // A fresh login ends the others.
  const fresh = await login(app, user.email)
  const ended = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${sidOf(other)}`, headers: bearer(fresh.access) })
  t.equal(ended.statusCode, 204)
  t.notOk(await alive(other))

  // Its own session, and every session at once, need no recent login.
  const own = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${sidOf(old)}`, headers: bearer(old.access) })
  t.equal(own.statusCode, 204)
  const second = await agedLogin(app, await login(app, user.email))
  const global = await app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=global', headers: bearer(second.access) })
  t.equal(global.statusCode, 200)
  t.notOk(await alive(fresh), 'global ended every session')
})

test('STEP_UP_MAX_AGE sets how recent the login must be', async (t) => {
  const app = await build(t, { config: { STEP_UP_MAX_AGE: 1 } })
  const user = await signupAndLogin(app)
  await new Promise((resolve) => setTimeout(resolve, 2100))
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=others', headers: bearer(user.access) })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'recent_login_required')

  const longer = await build(t, { config: { STEP_UP_MAX_AGE: 3600 } })
  const kept = await agedLogin(longer, await signupAndLogin(longer), 1800)
  t.equal((await longer.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=others', headers: bearer(kept.access) })).statusCode, 200)
})

test('a token minted without auth_time still works but never counts as a recent login', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { auth_time: _time, amr: _amr, ...claims } = jwtClaims(user.access)
  const body = `${Buffer.from(JSON.stringify(jwtHeader(user.access))).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  const legacy = `${body}.${createHmac('sha256', TEST_SECRET).update(body).digest('base64url')}`
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(legacy) })).statusCode, 200)
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(legacy), payload: { current_password: PASSWORD, new_password: NEW_PASSWORD } })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'recent_login_required')
})

test('auth_time and amr claims of the wrong shape are refused as invalid tokens', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const header = Buffer.from(JSON.stringify(jwtHeader(user.access))).toString('base64url')
  const claims = jwtClaims(user.access)
  for (const bad of [{ auth_time: 'yesterday' }, { auth_time: -1 }, { amr: 'pwd' }, { amr: [] }, { amr: ['pwd', 'pwd'] }, { amr: ['face'] }]) {
    const body = `${header}.${Buffer.from(JSON.stringify({ ...claims, ...bad })).toString('base64url')}`
    const token = `${body}.${createHmac('sha256', TEST_SECRET).update(body).digest('base64url')}`
    const res = await app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })
    t.equal(res.statusCode, 401, JSON.stringify(bad))
    t.equal(errorCode(res), 'invalid_token')
  }
})
