import { test } from 'tap'
import { sql } from 'kysely'
import { PGlite } from '@electric-sql/pglite'
import { connect, type DatabaseHandle } from '../../db/connect.js'
import { migrateToLatest } from '../../db/migrate.js'
import { migrations } from '../../db/migrations/index.js'
import { emptyPostgresDatabase, onPostgres } from '../helpers/databases.js'

test('instances starting together apply every migration exactly once', async (t) => {
  const handles: DatabaseHandle[] = []
  if (onPostgres) {
    const url = await emptyPostgresDatabase()
    for (let i = 0; i < 4; i++) handles.push(await connect({ databaseUrl: url, dataDir: '' }))
  } else {
    // PGlite is one process's database: "instances" share it.
    const pglite = await PGlite.create('memory://')
    t.teardown(() => pglite.close())
    for (let i = 0; i < 4; i++) handles.push(await connect({ databaseUrl: '', dataDir: '', pglite }))
  }
  t.teardown(() => Promise.all(handles.map((h) => h.close())))

  const results = await Promise.all(handles.map((h) => migrateToLatest(h.db)))
  const applied = results.flat()
  t.same(applied.sort(), Object.keys(migrations).sort(), 'each migration applied once, by one instance')

  const db = handles[0]!.db
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
  t.same(rows.rows.map((r) => r.name), Object.keys(migrations))
  t.same(await migrateToLatest(db), [], 'nothing left to apply')
})
