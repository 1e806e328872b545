// Databases for tests, each a copy of one migrated template, so no test pays for initdb or the
// migrations: embedded PGlite loaded from a dump of a migrated data directory, or, when
// TEST_DATABASE_URL names a PostgreSQL server, a database created from a migrated template database.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import pg from 'pg'
import tap from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { connect } from '../../db/connect.js'
import { migrateToLatest } from '../../db/migrate.js'
import { createScratchDatabase, databaseUrl } from './scratch-database.js'

export const adminUrl = process.env.TEST_DATABASE_URL ?? ''
export const onPostgres = adminUrl !== ''

// What an app, a command or a connection is pointed at.
export interface TestDatabase {
  DATABASE_URL: string
  pglite?: PGlite
}

// Templates are rebuilt when a migration or the PGlite version (a data directory opens only in the
// PostgreSQL major version that wrote it) changes.
const templateKey = (() => {
  const migrationsDir = join(import.meta.dirname, '../../db/migrations')
  const digest = createHash('sha256')
  digest.update(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))))
  for (const file of readdirSync(migrationsDir).sort()) digest.update(readFileSync(join(migrationsDir, file)))
  return digest.digest('hex').slice(0, 16)
})()

// As the server runs it (db/connect.ts): V8's baseline tier only, which also leaves the other
// core to the other test process instead of to background recompilation.
setFlagsFromString('--liftoff-only')

let pgliteDump: Promise<Blob> | undefined

// The first test process writes the dump, for the others.
async function migratedPgliteDump (): Promise<Blob> {
  const path = join(tmpdir(), `bookly-pglite-${templateKey}.tar`)
  if (existsSync(path)) return new Blob([readFileSync(path)])
  const db = await PGlite.create('memory://')
  await migrateToLatest((await connect({ databaseUrl: '', dataDir: '', pglite: db })).db)
  const dump = await db.dumpDataDir('none')
  await db.close()
  const partial = `${path}.${process.pid}`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, path)
  return dump
}

// A started, migrated PGlite of its own; the caller closes it.
export async function migratedPglite (): Promise<PGlite> {
  pgliteDump ??= migratedPgliteDump()
  return PGlite.create({ loadDataDir: await pgliteDump })
}

const templateName = `bookly_template_${templateKey}`
let postgresTemplate: Promise<void> | undefined

// Made once per server and migration set, under an advisory lock so that test processes starting
// together wait for one of them. Templates of other migration sets are left alone: another
// checkout may be testing with them right now.
async function ensurePostgresTemplate (): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query("select pg_advisory_lock(hashtext('bookly test template'))")
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [templateName])
    if (rowCount === 1) return
    // Built under another name and renamed once migrated, so a run killed halfway leaves no template.
    const building = `${templateName}_building`
    await client.query(`drop database if exists ${building} with (force)`)
    await client.query(`create database ${building}`)
    const handle = await connect({ databaseUrl: databaseUrl(adminUrl, building), dataDir: '' })
    try {
      await migrateToLatest(handle.db)
    } finally {
      await handle.close()
    }
    await client.query(`alter database ${building} rename to ${templateName}`)
  } finally {
    await client.end()
  }
}

// A new, migrated PostgreSQL database, dropped when the test process ends.
export async function freshPostgresDatabase (): Promise<string> {
  postgresTemplate ??= ensurePostgresTemplate()
  await postgresTemplate
  const { url, drop } = await createScratchDatabase(adminUrl, 'bookly_test', templateName)
  tap.teardown(drop)
  return url
}

// A new, empty PostgreSQL database (for testing the migrations themselves), dropped at the end.
export async function emptyPostgresDatabase (): Promise<string> {
  const { url, drop } = await createScratchDatabase(adminUrl, 'bookly_empty')
  tap.teardown(drop)
  return url
}

let shared: Promise<TestDatabase> | undefined

// The test process's one database, shared by the apps its tests build.
export function sharedDatabase (): Promise<TestDatabase> {
  shared ??= (async () => {
    if (onPostgres) return { DATABASE_URL: await freshPostgresDatabase() }
    const pglite = await migratedPglite()
    tap.teardown(() => pglite.close())
    return { DATABASE_URL: '', pglite }
  })()
  return shared
}

// A database of one test's own, closed or dropped when the test process ends.
export async function freshDatabase (): Promise<TestDatabase> {
  if (onPostgres) return { DATABASE_URL: await freshPostgresDatabase() }
  const pglite = await migratedPglite()
  tap.teardown(() => pglite.close())
  return { DATABASE_URL: '', pglite }
}
