// Users. Frozen: change the schema with a new migration, never by editing this one.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('users')
    .addColumn('uid', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('username', 'varchar(50)', (col) => col.notNull())
    .addColumn('first_name', 'varchar(25)', (col) => col.notNull())
    .addColumn('last_name', 'varchar(25)', (col) => col.notNull())
    .addColumn('email', 'varchar(40)', (col) => col.notNull())
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('role', 'varchar(20)', (col) => col.notNull().defaultTo('user').check(sql`role in ('user', 'admin')`))
    .addColumn('is_verified', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  // The database, not a check-then-insert, decides that an e-mail is taken.
  await sql`create unique index users_email_lower_key on users (lower(email))`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute()
}
