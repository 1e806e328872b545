// Signing keys for asymmetric tokens, and the key each session's tokens were signed with. Frozen:
// change the schema with a new migration.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('signing_keys')
    .addColumn('kid', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('alg', 'varchar(16)', (col) => col.notNull().check(sql`alg in ('EdDSA', 'ES256')`))
    .addColumn('public_jwk', 'text', (col) => col.notNull())
    .addColumn('private_key', 'text', (col) => col.notNull())
    .addColumn('state', 'varchar(16)', (col) => col.notNull()
      .check(sql`state in ('next', 'current', 'previous', 'retired', 'revoked')`))
    .addColumn('state_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('activates_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  // At most one key signs, and at most one waits to.
  await sql`create unique index signing_keys_one_current on signing_keys ((true)) where state = 'current'`.execute(db)
  await sql`create unique index signing_keys_one_next on signing_keys ((true)) where state = 'next'`.execute(db)

  // Every change of the key set, whatever statement made it, is announced to every instance.
  await sql`
    create function notify_signing_keys_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('signing_keys_changed', '');
      return null;
    end $$`.execute(db)
  await sql`
    create trigger signing_keys_changed after insert or update or delete on signing_keys
    for each statement execute function notify_signing_keys_changed()`.execute(db)

  await db.schema.alterTable('sessions').addColumn('signing_kid', 'varchar(64)').execute()
  await db.schema.createIndex('sessions_signing_kid_idx').on('sessions').column('signing_kid')
    .where(sql.ref('signing_kid'), 'is not', null).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('signing_kid').execute()
  await db.schema.dropTable('signing_keys').execute()
  await sql`drop function notify_signing_keys_changed()`.execute(db)
}
