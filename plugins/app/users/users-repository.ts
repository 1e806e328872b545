// Users: small functions over Kysely. E-mails arrive in canonical form (schemas/users.ts).
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database, NewUser, Role, User } from '../../../db/types.js'
import type { PaginationQuery } from '../../../schemas/pagination.js'
import { isUniqueViolation } from '../../../db/errors.js'

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

    // A completed password reset: the new hash, and the address verified (its owner received the link).
    async resetPassword (uid: string, passwordHash: string): Promise<void> {
      await db.updateTable('users')
        .set({ password_hash: passwordHash, is_verified: true, updated_at: new Date() })
        .where('uid', '=', uid)
        .execute()
    },

    list (page: PaginationQuery): Promise<User[]> {
      return db.selectFrom('users').selectAll()
        .orderBy('created_at', 'desc').orderBy('uid', 'desc')
        .limit(page.limit).offset(page.offset)
        .execute()
    },

    // One statement: the row is locked and read as it was (`old`) and then changed, so the
    // caller learns exactly what this change did even when another one races it.
    async changeAccount (uid: string, changes: { role?: Role, disabled?: boolean }) {
      const disabledAt = changes.disabled === undefined
        ? sql<Date | null>`users.disabled_at`
        : changes.disabled ? sql<Date>`coalesce(users.disabled_at, now())` : null
      const row = await db
        .with('old', (qb) => qb.selectFrom('users').select(['uid', 'role', 'disabled_at']).where('uid', '=', uid).forUpdate())
        .updateTable('users')
        .from('old')
        .set({ role: changes.role ?? sql<Role>`users.role`, disabled_at: disabledAt, updated_at: sql<Date>`now()` })
        .whereRef('users.uid', '=', 'old.uid')
        .returningAll('users')
        .returning(['old.role as previous_role', sql<boolean>`old.disabled_at is null`.as('was_enabled')])
        .executeTakeFirst()
      if (row === undefined) return undefined
      const { previous_role: previousRole, was_enabled: wasEnabled, ...user } = row
      return { user, roleChanged: user.role !== previousRole, disabledNow: wasEnabled && user.disabled_at !== null }
    },

    async delete (uid: string): Promise<boolean> {
      const result = await db.deleteFrom('users').where('uid', '=', uid).executeTakeFirst()
      return result.numDeletedRows > 0n
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
