import { test } from 'tap'
import { sql } from 'kysely'
import { build, onPostgres } from '../../../helper.js'
import { signupAndLogin, bearer, errorCode } from '../../../helpers/fixtures.js'
import { jwtClaims } from '../../../helpers/jwt.js'
import { waitFor } from '../../../helpers/wait-for.js'

test('two instances on one database: logout on one, the access token is refused on the other within a second', async (t) => {
  const one = await build(t)
  const two = await build(t)
  const { access } = await signupAndLogin(one)
  t.equal((await two.inject({ url: '/api/v1/auth/me', headers: bearer(access) })).statusCode, 200, 'valid on both first')

  const out = await one.inject({ url: '/api/v1/auth/logout', headers: bearer(access) })
  t.equal(out.statusCode, 200)
  t.equal(errorCode(await one.inject({ url: '/api/v1/auth/me', headers: bearer(access) })), 'token_revoked', 'at once on the instance that logged out')
  const refused = await waitFor(async () =>
    (await two.inject({ url: '/api/v1/auth/me', headers: bearer(access) })).statusCode === 401, 1000)
  t.ok(refused, 'refused on the other instance within one second')
})

test('verifying an access token reads no database', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  let queries = 0
  const original = app.db.getExecutor().executeQuery.bind(app.db.getExecutor())
  app.db.getExecutor().executeQuery = async (...args) => { queries++; return original(...args) }
  t.teardown(() => { app.db.getExecutor().executeQuery = original })
  // /logout with an unknown scope fails validation after the guard ran: guard only, no handler.
  const res = await app.inject({ url: '/api/v1/auth/logout?scope=nope', headers: bearer(access) })
  t.equal(res.statusCode, 422)
  t.equal(queries, 0)
})

test('revocations are loaded at start: a new instance refuses a token revoked before it started', async (t) => {
  const first = await build(t)
  const { access } = await signupAndLogin(first)
  await first.inject({ url: '/api/v1/auth/logout', headers: bearer(access) })
  const later = await build(t)
  t.equal(errorCode(await later.inject({ url: '/api/v1/auth/me', headers: bearer(access) })), 'token_revoked')
})

test('a revocation made by any statement reaches every instance (database trigger)', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  await app.db.updateTable('sessions').set({ revoked_at: sql`now()`, revoked_reason: sql`'manual'` })
    .where('id', '=', jwtClaims(access).sid).execute()
  const refused = await waitFor(async () => errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })) === 'token_revoked', 1000)
  t.ok(refused)
})

if (onPostgres) {
  test('after a lost listener connection the instance reconnects and reloads what it missed', async (t) => {
    const app = await build(t)
    const { access } = await signupAndLogin(app)
    const listenerPids = sql<{ pid: number }>`select pid from pg_stat_activity
      where datname = current_database() and query ilike 'LISTEN%' and pid <> pg_backend_pid()`
    t.ok((await listenerPids.execute(app.db)).rows.length > 0, 'a listener is connected')

    // Kill the listener and revoke while nobody listens: this NOTIFY is lost.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query ilike 'LISTEN%' and pid <> pg_backend_pid()`.execute(app.db)
    await sql`update sessions set revoked_at = now(), revoked_reason = 'manual' where id = ${jwtClaims(access).sid}`.execute(app.db)

    const refused = await waitFor(async () => errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })) === 'token_revoked', 5000)
    t.ok(refused, 'the missed revocation was reloaded after reconnecting')
    t.ok(await waitFor(async () => (await listenerPids.execute(app.db)).rows.length > 0, 5000), 'listening again')
  })
}
