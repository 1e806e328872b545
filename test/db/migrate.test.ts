import { test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { PGlite } from '@electric-sql/pglite'
import { connect, type DatabaseHandle } from '../../db/connect.js'
import { migrateToLatest } from '../../db/migrate.js'
import { migrations } from '../../db/migrations/index.js'
import { freshPostgresDatabase, onPostgres, TEST_SECRET } from '../helper.js'

const run = promisify(execFile)

test('instances starting together apply every migration exactly once', async (t) => {
  const handles: DatabaseHandle[] = []
  if (onPostgres) {
    const url = await freshPostgresDatabase()
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

test('npm run migrate applies pending migrations, then reports the database up to date', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-migrate-'))
  const env = {
    PATH: process.env.PATH ?? '',
    JWT_SECRET: TEST_SECRET,
    DATABASE_URL: onPostgres ? await freshPostgresDatabase() : '',
    DATA_DIR: join(cwd, 'data')
  }
  const cli = resolve(import.meta.dirname, '../../cli/migrate.ts')
  const args = ['--import', import.meta.resolve('tsx'), cli]
  const first = await run(process.execPath, args, { cwd, env })
  t.equal(first.stdout.trim(), `applied: ${Object.keys(migrations).join(', ')}`)
  const second = await run(process.execPath, args, { cwd, env })
  t.equal(second.stdout.trim(), 'database is up to date')
})
