// One-time account tokens (e-mail verification, password reset) and the mail outbox. Frozen:
// change the schema with a new migration, never by editing this one.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  // Only the token's SHA-256 is kept; the token itself exists only in the mail.
  await db.schema.createTable('account_tokens')
    .addColumn('token_hash', 'bytea', (col) => col.primaryKey())
    .addColumn('purpose', 'varchar(20)', (col) => col.notNull().check(sql`purpose in ('verify_email', 'password_reset')`))
    .addColumn('user_uid', 'uuid', (col) => col.notNull().references('users.uid').onDelete('cascade'))
    // The address the link was sent to: a token proves control of that address only.
    .addColumn('email', 'varchar(40)', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    // Made useless before use: a newer reset request, a password change, a completed reset.
    .addColumn('voided_at', 'timestamptz')
    .execute()
  await db.schema.createIndex('account_tokens_user_uid_idx').on('account_tokens').columns(['user_uid', 'purpose']).execute()
  await db.schema.createIndex('account_tokens_expires_at_idx').on('account_tokens').column('expires_at').execute()

  // Messages waiting for the background sender; a message is written in the same statement as its token.
  await db.schema.createTable('mail_outbox')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'varchar(20)', (col) => col.notNull())
    .addColumn('recipient', 'varchar(254)', (col) => col.notNull())
    // Erased once the message is sent or given up on, so a link lives here only until delivery.
    .addColumn('subject', 'text')
    .addColumn('text_body', 'text')
    .addColumn('html_body', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    // When the next attempt may start; a claimed message's lease ends here too.
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('failed_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute()
  await db.schema.createIndex('mail_outbox_pending_idx').on('mail_outbox').column('next_attempt_at')
    .where(sql.ref('sent_at'), 'is', null).where(sql.ref('failed_at'), 'is', null).execute()

  // Every instance's sender wakes when a message is queued, whoever queued it.
  await sql`
    create function notify_mail_outbox() returns trigger language plpgsql as $$
    begin
      perform pg_notify('mail_outbox', '');
      return null;
    end $$`.execute(db)
  await sql`
    create trigger mail_outbox_queued after insert on mail_outbox
    for each statement execute function notify_mail_outbox()`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_outbox').execute()
  await sql`drop function notify_mail_outbox()`.execute(db)
  await db.schema.dropTable('account_tokens').execute()
}
