import tap, { test } from 'tap'
import { sql } from 'kysely'
import { embeddedDatabase, MAX_NAMED_STATEMENTS } from '../../db/embedded.js'
import { migratedPglite } from '../helpers/databases.js'

// One instance for the file, whatever TEST_DATABASE_URL says: this is the embedded path.
// (Each test leaves what it made under names of its own.)
const pglite = await migratedPglite()
const { db, notifications: { listen } } = embeddedDatabase(pglite)
tap.teardown(async () => {
  await db.destroy()
  await pglite.close()
})

const prepared = async () =>
  (await pglite.query<{ statement: string }>('select statement from pg_prepared_statements order by statement')).rows.map((r) => r.statement)

test('a query with parameters is prepared once and then only executed', async (t) => {
  const lookup = (n: number) => sql<{ n: number }>`select ${n}::int + 1 as n`.execute(db)
  const before = await prepared()
  t.same((await lookup(1)).rows, [{ n: 2 }])
  t.same(await prepared(), [...before, 'select $1::int + 1 as n'].sort(), 'prepared under a name, in PGlite\'s session')
  t.same((await lookup(41)).rows, [{ n: 42 }], 'the prepared statement answers for new parameters')
  t.equal((await prepared()).length, before.length + 1, 'and is not prepared again')
})

test('a query without parameters stays on the simple protocol: several statements in one', async (t) => {
  const before = await prepared()
  await sql`create table notes (body text); insert into notes values ('a')`.execute(db)
  t.same((await sql<{ body: string }>`select body from notes`.execute(db)).rows, [{ body: 'a' }])
  t.same(await prepared(), before, 'nothing prepared')
})

test('past the limit of named statements, queries still run, unprepared', async (t) => {
  for (let i = 0; i < MAX_NAMED_STATEMENTS + 5; i++) {
    const { rows } = await sql<{ n: number }>`select ${i}::int as n, ${sql.lit(i)} as distinct_text`.execute(db)
    if (rows[0]?.n !== i) t.fail(`query ${i} answered ${JSON.stringify(rows)}`)
  }
  t.equal((await prepared()).length, MAX_NAMED_STATEMENTS, 'the session holds at most the limit')
})

test('a transaction keeps its statements together while other queries wait', async (t) => {
  await sql`create table counter (n int)`.execute(db)
  await sql`insert into counter values (0)`.execute(db)
  // Concurrent read-modify-write transactions: with one session and no isolation between them,
  // any interleaving would lose an increment.
  await Promise.all(Array.from({ length: 20 }, () => db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx)
    await sql`update counter set n = ${(rows[0]?.n ?? 0) + 1}`.execute(trx)
  })))
  t.same((await sql<{ n: number }>`select n from counter`.execute(db)).rows, [{ n: 20 }])
})

test('listeners of one channel share its LISTEN: it ends with the last of them', async (t) => {
  const notify = async (payload: string) => {
    await sql`select pg_notify('news', ${payload})`.execute(db)
    // Notifications are handed on in microtasks queued by the statement that carried them.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const channels = async () => (await pglite.query<{ c: string }>('select pg_listening_channels() as c')).rows.map((r) => r.c)
  const first: string[] = []
  const second: string[] = []
  let connected = 0
  const stopFirst = await listen('news', (p) => first.push(p), async () => { connected++ })
  const stopSecond = await listen('news', (p) => second.push(p), async () => { connected++ })
  t.equal(connected, 2, 'each listener is told it is connected')
  t.same(await channels(), ['news'])
  await notify('one')
  await stopFirst()
  t.same(await channels(), ['news'], 'still listening for the other listener')
  await notify('two')
  await stopSecond()
  t.same(await channels(), [], 'UNLISTEN once the last listener stopped')
  await notify('three')
  t.same(first, ['one'])
  t.same(second, ['one', 'two'])
})

test('one instance, one database object: apps sharing an instance share its single client', async (t) => {
  t.equal(embeddedDatabase(pglite).db, db)
})

test('a PGlite that fails fails the query in flight, and pg\'s error events are reported, not thrown', async (t) => {
  const failing = await migratedPglite()
  const errors: Error[] = []
  const embedded = embeddedDatabase(failing, (err) => errors.push(err))
  t.teardown(() => embedded.db.destroy())
  t.same((await sql<{ n: number }>`select ${1}::int as n`.execute(embedded.db)).rows, [{ n: 1 }])
  await failing.close()
  await t.rejects(sql`select ${2}::int as n`.execute(embedded.db), 'the query fails')
  // Without listeners, the client's and the pool's 'error' events would be uncaught exceptions.
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(errors.length > 0, `reported: ${errors[0]?.message}`)
})
