// Applies pending migrations. On PostgreSQL, Kysely holds an advisory lock while migrating,
// so instances starting together apply each migration exactly once.
import { Migrator, type Kysely } from 'kysely'
import { migrations } from './migrations/index.js'
import type { Database } from './types.js'

// The one Migrator over the static migration list, for applying and for checking.
const migratorFor = (db: Kysely<Database>) => new Migrator({ db, provider: { getMigrations: async () => migrations } })

export async function migrateToLatest (db: Kysely<Database>): Promise<string[]> {
  const { error, results = [] } = await migratorFor(db).migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

// Names of known migrations not yet applied to this database (readiness).
export async function pendingMigrations (db: Kysely<Database>): Promise<string[]> {
  const all = await migratorFor(db).getMigrations()
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name)
}
