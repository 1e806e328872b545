// Users: small functions over Kysely. E-mails arrive normalised (trimmed, lower-cased).
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database, NewUser, Role, User } from '../../db/types.js'
import { isUniqueViolation } from '../../db/errors.js'

export function createUsersRepository (db: Kysely<Database>) {
  return {
    // lower(email), as the unique index is built, so the lookup is an index scan, not a table scan.
    findByEmail (email: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where(sql`lower(email)`, '=', email).executeTakeFirst()
    },

    findByUid (uid: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('uid', '=', uid).executeTakeFirst()
    },

    // undefined when the e-mail is taken: the unique index decides, so concurrent signups cannot both win.
    async create (user: NewUser): Promise<User | undefined> {
      try {
        return await db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow()
      } catch (err) {
        if (isUniqueViolation(err)) return undefined
        throw err
      }
    },

    async setPasswordHash (uid: string, passwordHash: string): Promise<void> {
      await db.updateTable('users')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('uid', '=', uid)
        .execute()
    },

    async setRole (email: string, role: Role): Promise<User | undefined> {
      return db.updateTable('users')
        .set({ role, updated_at: new Date() })
        .where('email', '=', email)
        .returningAll()
        .executeTakeFirst()
    }
  }
}

export type UsersRepository = ReturnType<typeof createUsersRepository>

declare module 'fastify' {
  interface FastifyInstance {
    usersRepository: UsersRepository
  }
}

export default fp(async function usersRepository (fastify) {
  fastify.decorate('usersRepository', createUsersRepository(fastify.db))
}, { name: 'users-repository', dependencies: ['db'] })
