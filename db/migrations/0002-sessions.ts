// Login sessions (token families). Frozen: change the schema with a new migration.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('sessions')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    // Kept (as NULL) when the user is deleted, so the revocation outlives the account.
    .addColumn('user_uid', 'uuid', (col) => col.references('users.uid').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_reason', 'varchar(40)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('ip', 'varchar(64)')
    // The current token pair is recognised by its jtis; issued_at is its iat, so the
    // pair can be signed again byte for byte within the reuse window.
    .addColumn('refresh_jti', 'uuid', (col) => col.notNull())
    .addColumn('access_jti', 'uuid', (col) => col.notNull())
    .addColumn('issued_at', 'timestamptz', (col) => col.notNull())
    .addColumn('previous_refresh_jti', 'uuid')
    .addColumn('rotated_at', 'timestamptz')
    .execute()
  await db.schema.createIndex('sessions_user_uid_idx').on('sessions').column('user_uid').execute()
  await db.schema.createIndex('sessions_revoked_at_idx').on('sessions').column('revoked_at')
    .where(sql.ref('revoked_at'), 'is not', null).execute()

  // Every revocation, whatever statement made it, is announced to every instance.
  await sql`
    create function notify_session_revoked() returns trigger language plpgsql as $$
    begin
      perform pg_notify('session_revoked', new.id::text || ':' || coalesce(new.revoked_reason, 'revoked'));
      return new;
    end $$`.execute(db)
  await sql`
    create trigger sessions_revoked after update of revoked_at on sessions
    for each row when (old.revoked_at is null and new.revoked_at is not null)
    execute function notify_session_revoked()`.execute(db)

  // Deleting a user ends their sessions first, so their live tokens stop at once.
  await sql`
    create function revoke_sessions_of_deleted_user() returns trigger language plpgsql as $$
    begin
      update sessions set revoked_at = now(), revoked_reason = 'user_deleted'
      where user_uid = old.uid and revoked_at is null;
      return old;
    end $$`.execute(db)
  await sql`
    create trigger users_revoke_sessions before delete on users
    for each row execute function revoke_sessions_of_deleted_user()`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`drop trigger users_revoke_sessions on users`.execute(db)
  await sql`drop function revoke_sessions_of_deleted_user()`.execute(db)
  await db.schema.dropTable('sessions').execute()
  await sql`drop function notify_session_revoked()`.execute(db)
}
