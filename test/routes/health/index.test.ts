import { test } from 'tap'
import { sql } from 'kysely'
import { build } from '../../helper.js'

test('/health is liveness: 200 with no database work', async (t) => {
  const app = await build(t)
  let queries = 0
  const original = app.db.executeQuery.bind(app.db)
  app.db.executeQuery = (async (...args: Parameters<typeof original>) => { queries++; return original(...args) }) as typeof original
  t.teardown(() => { app.db.executeQuery = original })
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
  t.equal(queries, 0)
})

test('/health/ready: 200 when migrated, 503 service_unavailable while a migration is pending', async (t) => {
  const app = await build(t)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok' })

  const row = await sql<{ name: string, timestamp: string }>`select name, timestamp from kysely_migration where name = '0002-sessions'`.execute(app.db)
  await sql`delete from kysely_migration where name = '0002-sessions'`.execute(app.db)
  t.teardown(async () => {
    const { name, timestamp } = row.rows[0] ?? { name: '0002-sessions', timestamp: new Date().toISOString() }
    await sql`insert into kysely_migration (name, timestamp) values (${name}, ${timestamp}) on conflict do nothing`.execute(app.db)
  })
  const pending = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(pending.statusCode, 503)
  t.match(pending.json(), { error_code: 'service_unavailable', message: /0002-sessions/ })
})
