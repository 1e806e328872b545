// Books, owned by the user who created them, and disabling accounts. Frozen: change the schema with a new migration.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('books')
    .addColumn('uid', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('title', 'varchar(255)', (col) => col.notNull())
    .addColumn('author', 'varchar(255)', (col) => col.notNull())
    .addColumn('publisher', 'varchar(255)', (col) => col.notNull())
    .addColumn('published_date', 'date', (col) => col.notNull())
    .addColumn('page_count', 'integer', (col) => col.notNull().check(sql`page_count > 0`))
    .addColumn('language', 'varchar(50)', (col) => col.notNull())
    // A book is its creator's content: deleting the account deletes it, and no book is
    // left without an owner who may change it.
    .addColumn('user_uid', 'uuid', (col) => col.notNull().references('users.uid').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('books_created_at_idx').on('books').expression(sql`created_at desc`).execute()
  await db.schema.createIndex('books_user_uid_idx').on('books').column('user_uid').execute()

  await db.schema.alterTable('users').addColumn('disabled_at', 'timestamptz').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('disabled_at').execute()
  await db.schema.dropTable('books').execute()
}
