// Users: small functions over Kysely. E-mails arrive in canonical form (schemas/users.ts).
import fp from 'fastify-plugin'
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database, NewUser, Role, User } from '../../../db/types.js'
import type { PaginationQuery } from '../../../schemas/pagination.js'
import { isUniqueViolation } from '../../../db/errors.js'

// The account functions, over the database or over one transaction (asAdmin).
function accounts (db: Kysely<Database>) {
  return {
    // lower(email), as the unique index is built, so the lookup is an index scan, not a table scan.
    findByEmail (email: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where(sql`lower(email)`, '=', email).executeTakeFirst()
    },

    // The account as a login needs it, with whether two-factor is on: one statement.
    findForLogin (email: string): Promise<(User & { two_factor: boolean }) | undefined> {
      return db.selectFrom('users').selectAll('users')
        .select((eb) => eb.exists(eb.selectFrom('two_factor').select('two_factor.user_uid')
          .whereRef('two_factor.user_uid', '=', 'users.uid')
          .where('two_factor.enabled_at', 'is not', null)).$castTo<boolean>().as('two_factor'))
        .where(sql`lower(email)`, '=', email)
        .executeTakeFirst()
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

    // A confirmed e-mail change, in one statement: the account moves to the address, verified (its
    // owner opened the link), only while it is enabled; the row is locked and read first, so the
    // caller learns the address it had. The unique index decides whether the address is taken, so
    // two accounts moving to one address at once cannot both win; 'taken' aborts the caller's transaction.
    async changeEmail (uid: string, email: string): Promise<{ previousEmail: string } | 'taken' | 'disabled'> {
      try {
        const row = await db
          .with('old', (qb) => qb.selectFrom('users').select(['uid', 'email']).where('uid', '=', uid).forUpdate())
          .updateTable('users')
          .from('old')
          .set({ email, is_verified: true, updated_at: sql<Date>`now()` })
          .whereRef('users.uid', '=', 'old.uid')
          .where('users.disabled_at', 'is', null)
          .returning('old.email as previous_email')
          .executeTakeFirst()
        return row === undefined ? 'disabled' : { previousEmail: row.previous_email }
      } catch (err) {
        if (isUniqueViolation(err)) return 'taken'
        throw err
      }
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
      return {
        user,
        previousRole,
        roleChanged: user.role !== previousRole,
        disabledNow: wasEnabled && user.disabled_at !== null,
        enabledNow: !wasEnabled && user.disabled_at === null
      }
    },

    async delete (uid: string): Promise<boolean> {
      const result = await db.deleteFrom('users').where('uid', '=', uid).executeTakeFirst()
      return result.numDeletedRows > 0n
    }
  }
}

type Accounts = ReturnType<typeof accounts>

export function createUsersRepository (db: Kysely<Database>) {
  return {
    ...accounts(db),

    // Runs `change` on account `uid` in a transaction, only while `by` is still an enabled admin:
    // both rows are locked first, in uid order (two admins changing each other at once wait for
    // each other instead of deadlocking), so two admins demoting each other at once cannot both win.
    asAdmin<T> (by: string, uid: string, change: (users: Accounts, trx: Transaction<Database>) => Promise<T>): Promise<T | typeof NOT_ADMIN> {
      return db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('users').select(['uid', 'role', 'disabled_at'])
          .where('uid', 'in', [by, uid]).orderBy('uid').forUpdate().execute()
        const actor = rows.find((row) => row.uid === by)
        if (actor?.role !== 'admin' || actor.disabled_at !== null) return NOT_ADMIN
        return change(accounts(trx), trx)
      })
    }
  }
}

// What asAdmin answers when `by` is no longer an enabled admin.
export const NOT_ADMIN = 'not_admin'

export type UsersRepository = ReturnType<typeof createUsersRepository>

declare module 'fastify' {
  interface FastifyInstance {
    usersRepository: UsersRepository
  }
}

export default fp(async function usersRepository (fastify) {
  fastify.decorate('usersRepository', createUsersRepository(fastify.db))
}, { name: 'users-repository', dependencies: ['db'] })
