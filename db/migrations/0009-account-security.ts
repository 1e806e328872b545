// Two-factor login (TOTP, recovery codes, the tickets between a login's two steps), how each session
// was logged in to (for step-up), e-mail change links, and the events these add. Frozen: change the
// schema with a new migration.
import { sql, type Kysely } from 'kysely'

// As db/types.ts lists them on the day of this migration.
const EVENT_TYPES = [
  'login', 'login_failed', 'new_device', 'password_changed', 'password_reset', 'two_factor_enabled',
  'two_factor_disabled', 'recovery_code_used', 'sessions_revoked', 'role_changed', 'account_disabled', 'account_enabled',
  'recovery_codes_regenerated', 'email_change_requested', 'email_changed'
]
const PREVIOUS_EVENT_TYPES = EVENT_TYPES.slice(0, 12)
const PURPOSES = ['verify_email', 'password_reset', 'email_change']

const inList = (values: string[]) => sql.join(values.map((value) => sql.lit(value)))

export async function up (db: Kysely<any>): Promise<void> {
  // When and how the session's login was made: the access token's auth_time and amr. A session
  // opened before this migration counts as logged in to by password when it was created.
  await db.schema.alterTable('sessions')
    .addColumn('auth_time', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('amr', 'varchar(40)', (col) => col.notNull().defaultTo('pwd'))
    .execute()
  await sql`update sessions set auth_time = created_at`.execute(db)

  // One TOTP secret per account, sealed (plugins/app/two-factor/sealing.ts). enabled_at is null
  // while the enrolment waits for its first code; last_step is the time step of the last code
  // accepted, so no code is accepted twice.
  await db.schema.createTable('two_factor')
    .addColumn('user_uid', 'uuid', (col) => col.primaryKey().references('users.uid').onDelete('cascade'))
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('enabled_at', 'timestamptz')
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()

  // Only each code's SHA-256 (the codes carry 80 random bits); a used code stays, marked, until
  // the set is regenerated or two-factor is turned off.
  await db.schema.createTable('recovery_codes')
    .addColumn('user_uid', 'uuid', (col) => col.notNull().references('users.uid').onDelete('cascade'))
    .addColumn('code_hash', 'bytea', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('recovery_codes_pkey', ['user_uid', 'code_hash'])
    .execute()

  // The ticket a right password earns when two-factor is on: its SHA-256 only, short-lived, used once.
  await db.schema.createTable('mfa_tickets')
    .addColumn('ticket_hash', 'bytea', (col) => col.primaryKey())
    .addColumn('user_uid', 'uuid', (col) => col.notNull().references('users.uid').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('failed_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('mfa_tickets_expires_at_idx').on('mfa_tickets').column('expires_at').execute()

  await sql`alter table account_tokens drop constraint account_tokens_purpose_check`.execute(db)
  await sql`alter table account_tokens add constraint account_tokens_purpose_check check (purpose in (${inList(PURPOSES)}))`.execute(db)
  await sql`alter table security_events drop constraint security_events_type_check`.execute(db)
  await sql`alter table security_events add constraint security_events_type_check check (type in (${inList(EVENT_TYPES)}))`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.deleteFrom('security_events').where('type', 'not in', PREVIOUS_EVENT_TYPES).execute()
  await sql`alter table security_events drop constraint security_events_type_check`.execute(db)
  await sql`alter table security_events add constraint security_events_type_check check (type in (${inList(PREVIOUS_EVENT_TYPES)}))`.execute(db)
  await db.deleteFrom('account_tokens').where('purpose', '=', 'email_change').execute()
  await sql`alter table account_tokens drop constraint account_tokens_purpose_check`.execute(db)
  await sql`alter table account_tokens add constraint account_tokens_purpose_check check (purpose in (${inList(PURPOSES.slice(0, 2))}))`.execute(db)
  await db.schema.dropTable('mfa_tickets').execute()
  await db.schema.dropTable('recovery_codes').execute()
  await db.schema.dropTable('two_factor').execute()
  await db.schema.alterTable('sessions').dropColumn('amr').dropColumn('auth_time').execute()
}
