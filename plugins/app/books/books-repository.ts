// Books: small functions over Kysely. Lists are newest first.
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Book, BookUpdate, Database, NewBook } from '../../../db/types.js'
import type { PaginationQuery } from '../../../schemas/pagination.js'

// The date as text, formatted by the database: pg would turn it into a local-midnight Date.
const bookColumns = [
  'uid', 'title', 'author', 'publisher',
  sql<string>`to_char(published_date, 'YYYY-MM-DD')`.as('published_date'),
  'page_count', 'language', 'user_uid', 'created_at', 'updated_at'
] as const

export function createBooksRepository (db: Kysely<Database>) {
  // Books (of one user, when given), newest first; uid breaks ties so that pages never overlap.
  const newestFirst = (userUid?: string) => {
    let query = db.selectFrom('books').select(bookColumns)
    if (userUid !== undefined) query = query.where('user_uid', '=', userUid)
    return query.orderBy('created_at', 'desc').orderBy('uid', 'desc')
  }

  return {
    list (page: PaginationQuery, userUid?: string): Promise<Book[]> {
      return newestFirst(userUid).limit(page.limit).offset(page.offset).execute()
    },

    // Every book of one user (GET /auth/me).
    listAllOf (userUid: string): Promise<Book[]> {
      return newestFirst(userUid).execute()
    },

    find (uid: string): Promise<Book | undefined> {
      return db.selectFrom('books').select(bookColumns).where('uid', '=', uid).executeTakeFirst()
    },

    create (book: NewBook): Promise<Book> {
      return db.insertInto('books').values(book).returning(bookColumns).executeTakeFirstOrThrow()
    },

    // undefined when the book no longer exists.
    update (uid: string, changes: BookUpdate): Promise<Book | undefined> {
      return db.updateTable('books')
        .set({ ...changes, updated_at: sql<Date>`now()` })
        .where('uid', '=', uid)
        .returning(bookColumns)
        .executeTakeFirst()
    },

    async delete (uid: string): Promise<boolean> {
      const result = await db.deleteFrom('books').where('uid', '=', uid).executeTakeFirst()
      return result.numDeletedRows > 0n
    }
  }
}

export type BooksRepository = ReturnType<typeof createBooksRepository>

declare module 'fastify' {
  interface FastifyInstance {
    booksRepository: BooksRepository
  }
}

export default fp(async function booksRepository (fastify) {
  fastify.decorate('booksRepository', createBooksRepository(fastify.db))
}, { name: 'books-repository', dependencies: ['db'] })
