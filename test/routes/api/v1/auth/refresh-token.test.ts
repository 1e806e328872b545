import { test } from 'tap'
import { sql } from 'kysely'
import { build } from '../../../../helper.js'
import { signupAndLogin, bearer, errorCode } from '../../../../helpers/fixtures.js'
import { jwtClaims } from '../../../../helpers/jwt.js'
import { waitFor } from '../../../../helpers/wait-for.js'

const url = '/api/v1/auth/refresh_token'

test('refresh rotates: a new pair, and the presented refresh token stops working', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 0 } })
  const { refresh, access } = await signupAndLogin(app)
  const res = await app.inject({ url, headers: bearer(refresh) })
  t.equal(res.statusCode, 200)
  const pair = res.json()
  t.same(Object.keys(pair).sort(), ['access_token', 'refresh_token'])
  t.not(pair.refresh_token, refresh)
  t.not(pair.access_token, access)
  t.equal(jwtClaims(pair.refresh_token).sid, jwtClaims(refresh).sid, 'same session')
  t.equal(res.headers['cache-control'], 'no-store')

  const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(pair.access_token) })
  t.equal(me.statusCode, 200, 'the new access token works')
  const next = await app.inject({ url, headers: bearer(pair.refresh_token) })
  t.equal(next.statusCode, 200, 'the new refresh token works')
})

test('replay after the reuse window revokes the whole session; the successor dies too', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 0 } })
  const { refresh } = await signupAndLogin(app)
  const successor = (await app.inject({ url, headers: bearer(refresh) })).json()

  const replay = await app.inject({ url, headers: bearer(refresh) })
  t.equal(replay.statusCode, 401)
  t.equal(errorCode(replay), 'refresh_token_reused')

  const sid = jwtClaims(refresh).sid
  const row = await app.db.selectFrom('sessions').select(['revoked_at', 'revoked_reason']).where('id', '=', sid).executeTakeFirstOrThrow()
  t.ok(row.revoked_at, 'the revocation was committed although the request failed')
  t.equal(row.revoked_reason, 'refresh_token_reused')

  t.equal(errorCode(await app.inject({ url, headers: bearer(successor.refresh_token) })), 'token_revoked')
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(successor.access_token) })), 'token_revoked')
})

test('an older token (two generations back) is replay even inside the window', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 60 } })
  const { refresh: first } = await signupAndLogin(app)
  const second = (await app.inject({ url, headers: bearer(first) })).json().refresh_token
  const third = await app.inject({ url, headers: bearer(second) })
  t.equal(third.statusCode, 200)
  const replay = await app.inject({ url, headers: bearer(first) })
  t.equal(errorCode(replay), 'refresh_token_reused')
})

test('within the reuse window the just-replaced token returns the same successor pair', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 30 } })
  const { refresh } = await signupAndLogin(app)
  const a = await app.inject({ url, headers: bearer(refresh) })
  const b = await app.inject({ url, headers: bearer(refresh) })
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  t.same(b.json(), a.json(), 'identical pair: the family did not fork')
  const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(b.json().access_token) })
  t.equal(me.statusCode, 200)
})

test('the window closes: after it, the same token is replay', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 5 } })
  const { refresh } = await signupAndLogin(app)
  t.equal((await app.inject({ url, headers: bearer(refresh) })).statusCode, 200)
  // Age the rotation instead of sleeping.
  await app.db.updateTable('sessions').set({ rotated_at: sql`now() - interval '6 seconds'` })
    .where('id', '=', jwtClaims(refresh).sid).execute()
  t.equal(errorCode(await app.inject({ url, headers: bearer(refresh) })), 'refresh_token_reused')
})

test('20 concurrent refreshes with one token never yield two live successors', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 30 } })
  const { refresh } = await signupAndLogin(app)
  const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject({ url, headers: bearer(refresh) })))
  const ok = responses.filter((r) => r.statusCode === 200)
  t.equal(ok.length, 20, 'all within the window succeed')
  t.equal(new Set(ok.map((r) => r.json().refresh_token)).size, 1, 'one successor only')
  const session = await app.db.selectFrom('sessions').select(['refresh_jti', 'previous_refresh_jti'])
    .where('id', '=', jwtClaims(refresh).sid).executeTakeFirstOrThrow()
  t.equal(session.previous_refresh_jti, jwtClaims(refresh).jti)
  t.equal(session.refresh_jti, jwtClaims(ok[0]?.json().refresh_token).jti)
})

test('20 concurrent refreshes with no reuse window: exactly one winner, the rest are replay', async (t) => {
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 0 } })
  const { refresh } = await signupAndLogin(app)
  const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject({ url, headers: bearer(refresh) })))
  const codes = responses.map((r) => r.statusCode)
  t.ok(codes.filter((c) => c === 200).length <= 1, 'never two successors')
  t.ok(codes.every((c) => c === 200 || c === 401), 'no 500')
  // Replay revoked the family, so even the winner's pair is dead now.
  const winner = responses.find((r) => r.statusCode === 200)
  if (winner) t.equal(errorCode(await app.inject({ url, headers: bearer(winner.json().refresh_token) })), 'token_revoked')
})

test('idle and absolute session limits stop refresh', async (t) => {
  const app = await build(t)
  const idle = await signupAndLogin(app)
  await app.db.updateTable('sessions').set({ last_used_at: sql`now() - interval '3 days'` })
    .where('id', '=', jwtClaims(idle.refresh).sid).execute()
  t.equal(errorCode(await app.inject({ url, headers: bearer(idle.refresh) })), 'session_expired')

  const old = await signupAndLogin(app)
  await app.db.updateTable('sessions').set({ expires_at: sql`now() - interval '1 second'` })
    .where('id', '=', jwtClaims(old.refresh).sid).execute()
  t.equal(errorCode(await app.inject({ url, headers: bearer(old.refresh) })), 'session_expired')
})

test('a session older than SESSION_MAX_AGE cannot be refreshed', async (t) => {
  const app = await build(t, { config: { SESSION_MAX_AGE: 1 } })
  const { refresh } = await signupAndLogin(app)
  const session = await app.db.selectFrom('sessions').select(['created_at', 'expires_at'])
    .where('id', '=', jwtClaims(refresh).sid).executeTakeFirstOrThrow()
  t.equal(session.expires_at.getTime() - session.created_at.getTime(), 1000)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.equal(errorCode(await app.inject({ url, headers: bearer(refresh) })), 'session_expired')
})

test("a deleted user's tokens are invalid", async (t) => {
  const app = await build(t)
  const { access, refresh, uid } = await signupAndLogin(app)
  await app.db.deleteFrom('users').where('uid', '=', uid).execute()
  // The NOTIFY reaches this instance asynchronously; the refresh path reads the database.
  const r = await app.inject({ url, headers: bearer(refresh) })
  t.equal(r.statusCode, 401)
  t.equal(errorCode(r), 'invalid_token')
  await waitFor(() => app.revocations.reasonFor(jwtClaims(access).sid) !== undefined)
  const me = await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })
  t.equal(me.statusCode, 401)
  t.equal(errorCode(me), 'invalid_token')
})
