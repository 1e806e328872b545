import { test } from 'tap'
import { sql } from 'kysely'
import { build, onPostgres, testConfig } from '../../../helper.js'
import { freshDatabase } from '../../../helpers/databases.js'
import { bearer, errorCode, signupAndLogin } from '../../../helpers/fixtures.js'
import { jwtClaims } from '../../../helpers/jwt.js'
import { insertSessions, sessionCount } from '../../../helpers/sessions.js'
import { waitFor } from '../../../helpers/wait-for.js'
import { SESSIONS_SWEEP, sweepEndedSessions } from '../../../../plugins/app/sessions/retention.js'
import { sweepBatch } from '../../../../plugins/app/retention/periodic-sweeps.js'

const RETENTION = 7200
const IDLE = 3600
const config = { SESSION_RETENTION: RETENTION, REFRESH_TOKEN_TTL: IDLE, ACCESS_TOKEN_TTL: 600 }
// The app's own batch size on this test's database.
const BATCH = sweepBatch(!onPostgres)
const setBack = (seconds: number) => sql<Date>`now() - make_interval(secs => ${seconds})`

test('the sweep deletes sessions that ended more than SESSION_RETENTION ago, and keeps newer and live ones', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config })
  const logins = await Promise.all(Array.from({ length: 7 }, () => signupAndLogin(app)))
  const sids = logins.map(({ access }) => jwtClaims(access).sid)
  const set = (index: number, values: Record<string, unknown>) =>
    app.db.updateTable('sessions').set(values).where('id', '=', sids[index]!).execute()
  await set(0, { revoked_at: setBack(RETENTION + 60), revoked_reason: 'logout' })
  await set(1, { expires_at: setBack(RETENTION + 60) })
  await set(2, { last_used_at: setBack(IDLE + RETENTION + 60) })
  // Ended, but within the retention: kept.
  await set(3, { revoked_at: setBack(RETENTION - 60), revoked_reason: 'logout' })
  await set(4, { expires_at: setBack(RETENTION - 60) })
  await set(5, { last_used_at: setBack(IDLE + RETENTION - 60) })
  // sids[6] is live.

  t.same(await app.periodicSweeps.run(SESSIONS_SWEEP), { sessions: 3, batches: 1 })
  const left = (await app.db.selectFrom('sessions').select('id').execute()).map((row) => row.id).sort()
  t.same(left, sids.slice(3).sort(), 'ended within the retention and live sessions stay')
  t.same(await app.periodicSweeps.run(SESSIONS_SWEEP), { sessions: 0, batches: 0 }, 'nothing more to sweep')

  const live = logins[6]!
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(live.access) })).statusCode, 200, 'the live session works')
  t.equal((await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(live.refresh) })).statusCode, 200, 'and refreshes')
  t.equal((await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(logins[0]!.refresh) })).statusCode, 401, 'a swept session refreshes no more')
})

test('a revocation kept by the retention is still loaded by an instance started after the sweep', async (t) => {
  const database = await freshDatabase()
  const first = await build(t, { database, config })
  const { access } = await signupAndLogin(first)
  await first.inject({ url: '/api/v1/auth/logout', headers: bearer(access) })
  await first.periodicSweeps.run(SESSIONS_SWEEP)
  const later = await build(t, { database, config })
  t.equal(errorCode(await later.inject({ url: '/api/v1/auth/me', headers: bearer(access) })), 'token_revoked')
})

test('the sweep works in batches of the given size', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config })
  await insertSessions(app.db, 5, { revoked: RETENTION + 60 })
  await insertSessions(app.db, 2)
  t.same(await sweepEndedSessions(app.sessionsRepository, { retention: RETENTION, batchSize: 2 }), { sessions: 5, batches: 3 })
  t.equal(await sessionCount(app.db), 2)
})

test('a large table: every ended session past the retention goes, in batches, and no other', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config })
  await insertSessions(app.db, 20_000, { revoked: RETENTION + 60 })
  await insertSessions(app.db, 10_000, { expired: RETENTION + 60, lastUsed: RETENTION + IDLE + 60 })
  await insertSessions(app.db, 5_000, { revoked: RETENTION - 60 })
  await insertSessions(app.db, 5_000)
  // Without the rests between batches, which only spread the same work out.
  t.same(await sweepEndedSessions(app.sessionsRepository, { retention: RETENTION, batchSize: 1000, restFactor: 0 }), { sessions: 30_000, batches: 30 })
  t.equal(await sessionCount(app.db), 10_000)
})

test('the sweep rests between batches in proportion to their time', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config })
  await insertSessions(app.db, 3_000, { revoked: RETENTION + 60 })
  const batchTimes: number[] = []
  const deleteEnded = app.sessionsRepository.deleteEnded
  const timed: typeof deleteEnded = async (...args) => {
    const started = performance.now()
    try { return await deleteEnded(...args) } finally { batchTimes.push(performance.now() - started) }
  }
  const started = performance.now()
  await sweepEndedSessions({ ...app.sessionsRepository, deleteEnded: timed }, { retention: RETENTION, batchSize: 1000, restFactor: 4 })
  const elapsed = performance.now() - started
  const working = batchTimes.reduce((a, b) => a + b, 0)
  // Rests after the first three batches (the fourth finds nothing and ends the sweep).
  const rests = batchTimes.slice(0, 3).reduce((a, b) => a + b, 0) * 4
  t.equal(batchTimes.length, 4)
  t.ok(elapsed >= working + rests * 0.9, `${elapsed.toFixed(0)} ms in all, ${working.toFixed(0)} ms of batches`)
})

// Two instances on one database of 10,000 sessions to sweep and 100 live ones.
async function twoInstances (t: Parameters<typeof build>[0]) {
  const database = await freshDatabase()
  const one = await build(t, { database, config })
  const two = await build(t, { database, config })
  await insertSessions(one.db, 10_000, { revoked: RETENTION + 60 })
  await insertSessions(one.db, 100)
  return [one, two] as const
}

test('two instances sweeping at once: one sweeps, the other stands aside, each row is deleted once', async (t) => {
  const [one, two] = await twoInstances(t)
  const results = await Promise.all([one.periodicSweeps.run(SESSIONS_SWEEP), two.periodicSweeps.run(SESSIONS_SWEEP)])
  t.same(results.filter((r) => r === undefined).length, 1, 'one of them found the sweep running')
  t.same(results.find((r) => r !== undefined), { sessions: 10_000, batches: 10_000 / BATCH })
  t.equal(await sessionCount(one.db), 100)
})

test('even without the lock, two concurrent sweeps delete each row exactly once', async (t) => {
  const [one, two] = await twoInstances(t)
  const options = { retention: RETENTION, batchSize: 500 }
  const [a, b] = await Promise.all([sweepEndedSessions(one.sessionsRepository, options), sweepEndedSessions(two.sessionsRepository, options)])
  t.equal(a.sessions + b.sessions, 10_000)
  t.equal(await sessionCount(one.db), 100)
})

test('the sweep runs by itself every RETENTION_SWEEP_INTERVAL seconds', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config: { ...config, RETENTION_SWEEP_INTERVAL: 0.05 } })
  await insertSessions(app.db, 3, { revoked: RETENTION + 60 })
  await insertSessions(app.db, 1)
  t.ok(await waitFor(async () => await sessionCount(app.db) === 1, 5000))
})

test('closing the server stops a sweep after its current batch, and waits for it', async (t) => {
  const database = await freshDatabase()
  const app = await build(t, { database, config })
  await insertSessions(app.db, 20_000, { revoked: RETENTION + 60 })
  const sweeping = app.periodicSweeps.run(SESSIONS_SWEEP)
  await app.close()
  const swept = await sweeping
  const deleted = swept?.sessions ?? 0
  t.ok(deleted < 20_000, `stopped early (${deleted} deleted)`)
  const later = await build(t, { database, config })
  t.equal(await sessionCount(later.db), 20_000 - deleted, 'what it deleted, it reported')
})

test('SESSION_RETENTION below ACCESS_TOKEN_TTL is a configuration error', async (t) => {
  t.throws(() => testConfig({ SESSION_RETENTION: 599, ACCESS_TOKEN_TTL: 600 }), /SESSION_RETENTION \(599\) must be at least ACCESS_TOKEN_TTL \(600\)/)
  t.equal(testConfig({ SESSION_RETENTION: 600, ACCESS_TOKEN_TTL: 600 }).SESSION_RETENTION, 600)
  t.equal(testConfig().SESSION_RETENTION, 30 * 86_400, 'thirty days by default')
})
