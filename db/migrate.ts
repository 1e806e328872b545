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

// Reverts the last applied migration; its name, or undefined when none was applied.
export async function migrateDownOne (db: Kysely<Database>): Promise<string | undefined> {
  const { error, results = [] } = await migratorFor(db).migrateDown()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return results.find((r) => r.status === 'Success')?.migrationName
}

export interface MigrationState {
  name: string
  // When it was applied; undefined while it is pending.
  executedAt?: Date
}

// Every known migration, in order, applied or not.
export async function migrationStates (db: Kysely<Database>): Promise<MigrationState[]> {
  return (await migratorFor(db).getMigrations()).map(({ name, executedAt }) => ({ name, executedAt }))
}

// Names of known migrations not yet applied to this database (readiness).
export async function pendingMigrations (db: Kysely<Database>): Promise<string[]> {
  return (await migrationStates(db)).filter((m) => m.executedAt === undefined).map((m) => m.name)
}
