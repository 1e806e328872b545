// Two-factor state: the TOTP secret (sealed), recovery codes (hashed) and the tickets between a
// login's two steps (hashed): small functions over Kysely, the db (or a transaction) first. Every
// use of a code or a ticket is one conditional UPDATE, so of concurrent uses exactly one wins.
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database, TwoFactor } from '../../../db/types.js'

const unexpired = sql<boolean>`mfa_tickets.expires_at > now()`

export function createTwoFactorRepository (db: Kysely<Database>) {
  return {
    find (userUid: string): Promise<TwoFactor | undefined> {
      return db.selectFrom('two_factor').selectAll().where('user_uid', '=', userUid).executeTakeFirst()
    },

    // Locks the account's two-factor row until the transaction ends; false when two-factor is off.
    async lockEnabled (userUid: string): Promise<boolean> {
      const row = await db.selectFrom('two_factor').select('user_uid')
        .where('user_uid', '=', userUid)
        .where('enabled_at', 'is not', null)
        .forUpdate()
        .executeTakeFirst()
      return row !== undefined
    },

    // A new pending secret, replacing a pending one; false when two-factor is already on.
    async startEnrolment (userUid: string, sealedSecret: string): Promise<boolean> {
      const row = await db.insertInto('two_factor')
        .values({ user_uid: userUid, secret: sealedSecret })
        .onConflict((oc) => oc.column('user_uid')
          .doUpdateSet({ secret: sealedSecret, last_step: null, created_at: sql`now()` })
          .where('two_factor.enabled_at', 'is', null))
        .returning('user_uid')
        .executeTakeFirst()
      return row !== undefined
    },

    // Turns two-factor on with the pending secret the code was checked against (not a newer one
    // that an enrolment started meanwhile put in its place); its step is spent.
    async enable (userUid: string, sealedSecret: string, step: number): Promise<boolean> {
      const row = await db.updateTable('two_factor')
        .set({ enabled_at: sql`now()`, last_step: step })
        .where('user_uid', '=', userUid)
        .where('secret', '=', sealedSecret)
        .where('enabled_at', 'is', null)
        .returning('user_uid')
        .executeTakeFirst()
      return row !== undefined
    },

    // Spends a code's step: false when that step, or a later one, was spent already (a replay).
    async spendStep (userUid: string, step: number): Promise<boolean> {
      const row = await db.updateTable('two_factor')
        .set({ last_step: step })
        .where('user_uid', '=', userUid)
        .where('enabled_at', 'is not', null)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', String(step))]))
        .returning('user_uid')
        .executeTakeFirst()
      return row !== undefined
    },

    // Two-factor off: the secret and every recovery code go. False when it was not on.
    async disable (userUid: string): Promise<boolean> {
      const result = await db.with('codes', (qb) => qb.deleteFrom('recovery_codes').where('user_uid', '=', userUid))
        .deleteFrom('two_factor')
        .where('user_uid', '=', userUid)
        .where('enabled_at', 'is not', null)
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    // The account's recovery codes become these, in one statement.
    async replaceRecoveryCodes (userUid: string, hashes: Buffer[]): Promise<void> {
      await db.with('old', (qb) => qb.deleteFrom('recovery_codes').where('user_uid', '=', userUid))
        .insertInto('recovery_codes')
        .values(hashes.map((hash) => ({ user_uid: userUid, code_hash: hash })))
        .execute()
    },

    // Spends a recovery code: false when the account has no such unused code.
    async useRecoveryCode (userUid: string, hash: Buffer): Promise<boolean> {
      const row = await db.updateTable('recovery_codes')
        .set({ used_at: sql`now()` })
        .where('user_uid', '=', userUid)
        .where('code_hash', '=', hash)
        .where('used_at', 'is', null)
        .returning('user_uid')
        .executeTakeFirst()
      return row !== undefined
    },

    async recoveryCodesLeft (userUid: string): Promise<number> {
      const row = await db.selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<string>().as('left'))
        .where('user_uid', '=', userUid)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow()
      return Number(row.left)
    },

    async issueTicket (userUid: string, ticketHash: Buffer, ttlSeconds: number): Promise<void> {
      await db.insertInto('mfa_tickets')
        .values({ ticket_hash: ticketHash, user_uid: userUid, expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})` })
        .execute()
    },

    // The account a ticket was issued for, while it is unused, unexpired and has failures to spare.
    async ticketOwner (ticketHash: Buffer, maxFailures: number): Promise<string | undefined> {
      const row = await db.selectFrom('mfa_tickets').select('user_uid')
        .where('ticket_hash', '=', ticketHash)
        .where('used_at', 'is', null)
        .where('failed_attempts', '<', maxFailures)
        .where(unexpired)
        .executeTakeFirst()
      return row?.user_uid
    },

    // Uses the ticket up: true for exactly one of any number of concurrent calls.
    async consumeTicket (ticketHash: Buffer, maxFailures: number): Promise<boolean> {
      const row = await db.updateTable('mfa_tickets')
        .set({ used_at: sql`now()` })
        .where('ticket_hash', '=', ticketHash)
        .where('used_at', 'is', null)
        .where('failed_attempts', '<', maxFailures)
        .where(unexpired)
        .returning('user_uid')
        .executeTakeFirst()
      return row !== undefined
    },

    async ticketFailed (ticketHash: Buffer): Promise<void> {
      await db.updateTable('mfa_tickets')
        .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
        .where('ticket_hash', '=', ticketHash)
        .execute()
    },

    // Expired tickets answer like unknown ones, so they can go; returns how many went.
    async deleteExpiredTickets (limit: number): Promise<number> {
      const result = await db.deleteFrom('mfa_tickets')
        .where('ticket_hash', 'in', db.selectFrom('mfa_tickets').select('ticket_hash')
          .where('expires_at', '<', sql<Date>`now()`)
          .limit(limit)
          .forUpdate()
          .skipLocked())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    }
  }
}

export type TwoFactorRepository = ReturnType<typeof createTwoFactorRepository>

declare module 'fastify' {
  interface FastifyInstance {
    twoFactorRepository: TwoFactorRepository
  }
}

export default fp(async function twoFactorRepository (fastify) {
  fastify.decorate('twoFactorRepository', createTwoFactorRepository(fastify.db))
}, { name: 'two-factor-repository', dependencies: ['db'] })
