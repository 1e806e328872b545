// Indexes the retention sweep finds ended sessions by (revocations already have one). Frozen:
// change the schema with a new migration.
import type { Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute()
  await db.schema.createIndex('sessions_last_used_at_idx').on('sessions').column('last_used_at').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_last_used_at_idx').execute()
  await db.schema.dropIndex('sessions_expires_at_idx').execute()
}
