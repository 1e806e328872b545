// What happened to each account's security (logins, password and two-factor changes, ended
// sessions, role changes), for its owner and admins to read. Frozen: change the schema with a new migration.
import { sql, type Kysely } from 'kysely'

// As db/types.ts lists them on the day of this migration.
const TYPES = [
  'login', 'login_failed', 'new_device', 'password_changed', 'password_reset', 'two_factor_enabled',
  'two_factor_disabled', 'recovery_code_used', 'sessions_revoked', 'role_changed', 'account_disabled', 'account_enabled'
]

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('security_events')
    // Breaks ties between events of one instant.
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_uid', 'uuid', (col) => col.notNull().references('users.uid').onDelete('cascade'))
    .addColumn('type', 'varchar(30)', (col) => col.notNull().check(sql`type in (${sql.join(TYPES.map((type) => sql.lit(type)))})`))
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('detail', 'jsonb')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('security_events_user_idx').on('security_events').columns(['user_uid', 'created_at desc', 'id desc']).execute()
  await db.schema.createIndex('security_events_created_at_idx').on('security_events').column('created_at').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('security_events').execute()
}
