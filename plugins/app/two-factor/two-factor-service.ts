// Two-factor login: enrolment, checking a second factor (a TOTP code or a recovery code), recovery
// codes, and the ticket a right password earns when two-factor is on. Takes plain values; the
// routes count failures against the account's failed-login limit and record the events.
import fp from 'fastify-plugin'
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AuthMethod, Database } from '../../../db/types.js'
import { previousSecrets } from '../keys/key-lifecycle.js'
import { seal, sealingKey, sealingKeys, unseal } from '../keys/sealing.js'
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js'
import { codeStep, newTotpSecret, otpauthUri, qrCodeDataUrl } from './totp.js'
import { createTwoFactorRepository, type TwoFactorRepository } from './two-factor-repository.js'

// What a client sends as its second factor: one of the two.
export interface SecondFactor {
  code?: string | undefined
  recovery_code?: string | undefined
}

// The factor a proof was accepted as, by its AMR value.
export type FactorMethod = Extract<AuthMethod, 'otp' | 'rec'>

export interface Enrolment {
  secret: string
  otpauth_uri: string
  qr_code: string
}

export interface TwoFactorStatus {
  enabled: boolean
  enabled_at: Date | null
  pending: boolean
  recovery_codes_left: number
}

export type TicketRedemption =
  | { outcome: 'accepted', method: FactorMethod }
  | { outcome: 'invalid_ticket' }
  | { outcome: 'invalid_code' }

export interface TwoFactorService {
  status (userUid: string): Promise<TwoFactorStatus>
  // A new pending secret; undefined when two-factor is already on.
  enrol (userUid: string, label: string): Promise<Enrolment | undefined>
  // Turns two-factor on with the pending secret's first code; the recovery codes, once.
  confirm (userUid: string, code: string): Promise<{ recoveryCodes: string[] } | 'not_pending' | 'invalid_code'>
  // Checks and spends a second factor, then turns two-factor off; the factor it was accepted as.
  disable (userUid: string, proof: SecondFactor): Promise<FactorMethod | 'not_enabled' | 'invalid_code'>
  // Two-factor off without a factor (an admin, for an account that lost its app and its codes),
  // within the caller's transaction; false when it was not on.
  disableWithin (trx: Kysely<Database>, userUid: string): Promise<boolean>
  // A new set of recovery codes in place of the old one; undefined when two-factor is off.
  regenerateRecoveryCodes (userUid: string): Promise<string[] | undefined>
  // A new ticket for an account whose password was right: the ticket, and how long it lives.
  issueTicket (userUid: string): Promise<{ ticket: string, expiresIn: number }>
  // The account a ticket is for, while it can still be used.
  ticketOwner (ticket: string): Promise<string | undefined>
  // Uses the ticket up with a second factor of its account: both or neither.
  redeemTicket (ticket: string, userUid: string, proof: SecondFactor): Promise<TicketRedemption>
}

declare module 'fastify' {
  interface FastifyInstance {
    twoFactor: TwoFactorService
  }
}

// Wrong codes a ticket survives; past them the client logs in again (the account's failed-login
// limit counts them too).
export const MAX_TICKET_FAILURES = 5
// base64url of 32 bytes; anything else cannot be a ticket and costs no query.
const TICKET_SHAPE = /^[A-Za-z0-9_-]{43}$/

const hashTicket = (ticket: string): Buffer => createHash('sha256').update(ticket).digest()

// Thrown inside a transaction to roll it back: the factor was wrong.
class WrongFactor extends Error {}

export default fp(async function twoFactor (fastify) {
  const { db, twoFactorRepository: repo } = fastify
  const { JWT_SECRET, MFA_TICKET_TTL, TOTP_ISSUER } = fastify.config
  const sealer = sealingKey(JWT_SECRET, 'totp-secret')
  const openers = [sealer, ...sealingKeys(previousSecrets(fastify.config), 'totp-secret')]

  // The step of `code` under the account's sealed secret; undefined when it is none allowed now.
  const stepOf = (userUid: string, sealed: string, code: string): number | undefined => {
    const secret = unseal(openers, userUid, sealed)
    if (secret !== undefined) return codeStep(secret, code)
    fastify.log.error({ user: userUid }, 'a two-factor secret does not open with JWT_SECRET or JWT_PREVIOUS_SECRETS')
    return undefined
  }

  // Checks the factor and spends it (the code's step, or the recovery code), within `trx`.
  const spend = async (trx: TwoFactorRepository, userUid: string, proof: SecondFactor): Promise<FactorMethod | undefined> => {
    if (proof.recovery_code !== undefined) {
      return await trx.useRecoveryCode(userUid, hashRecoveryCode(proof.recovery_code)) ? 'rec' : undefined
    }
    if (proof.code === undefined) return undefined
    const row = await trx.find(userUid)
    if (row?.enabled_at == null) return undefined
    const step = stepOf(userUid, row.secret, proof.code)
    return step !== undefined && await trx.spendStep(userUid, step) ? 'otp' : undefined
  }

  // Runs `work` in a transaction that a WrongFactor rolls back; 'invalid_code' then.
  const unlessWrong = async <T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T | 'invalid_code'> => {
    try {
      return await db.transaction().execute(work)
    } catch (err) {
      if (err instanceof WrongFactor) return 'invalid_code'
      throw err
    }
  }

  fastify.decorate('twoFactor', {
    async status (userUid) {
      const row = await repo.find(userUid)
      const enabled = row?.enabled_at != null
      return {
        enabled,
        enabled_at: row?.enabled_at ?? null,
        pending: row !== undefined && !enabled,
        recovery_codes_left: enabled ? await repo.recoveryCodesLeft(userUid) : 0
      }
    },

    async enrol (userUid, label) {
      const secret = newTotpSecret()
      if (!await repo.startEnrolment(userUid, seal(sealer, userUid, secret))) return undefined
      const uri = otpauthUri(secret, TOTP_ISSUER, label)
      return { secret, otpauth_uri: uri, qr_code: await qrCodeDataUrl(uri) }
    },

    async confirm (userUid, code) {
      const row = await repo.find(userUid)
      if (row === undefined || row.enabled_at !== null) return 'not_pending'
      const step = stepOf(userUid, row.secret, code)
      if (step === undefined) return 'invalid_code'
      const { codes, hashes } = newRecoveryCodes()
      return unlessWrong(async (trx) => {
        const inTrx = createTwoFactorRepository(trx)
        // Another enrolment replaced the secret, or a concurrent confirm won: this code is spent.
        if (!await inTrx.enable(userUid, row.secret, step)) throw new WrongFactor()
        await inTrx.replaceRecoveryCodes(userUid, hashes)
        return { recoveryCodes: codes }
      })
    },

    async disable (userUid, proof) {
      const row = await repo.find(userUid)
      if (row?.enabled_at == null) return 'not_enabled'
      return unlessWrong(async (trx) => {
        const inTrx = createTwoFactorRepository(trx)
        const method = await spend(inTrx, userUid, proof)
        if (method === undefined) throw new WrongFactor()
        await inTrx.disable(userUid)
        return method
      })
    },

    disableWithin: (trx, userUid) => createTwoFactorRepository(trx).disable(userUid),

    async regenerateRecoveryCodes (userUid) {
      const { codes, hashes } = newRecoveryCodes()
      return db.transaction().execute(async (trx) => {
        const inTrx = createTwoFactorRepository(trx)
        if (!await inTrx.lockEnabled(userUid)) return undefined
        await inTrx.replaceRecoveryCodes(userUid, hashes)
        return codes
      })
    },

    async issueTicket (userUid) {
      const ticket = randomBytes(32).toString('base64url')
      await repo.issueTicket(userUid, hashTicket(ticket), MFA_TICKET_TTL)
      return { ticket, expiresIn: MFA_TICKET_TTL }
    },

    async ticketOwner (ticket) {
      return TICKET_SHAPE.test(ticket) ? repo.ticketOwner(hashTicket(ticket), MAX_TICKET_FAILURES) : undefined
    },

    async redeemTicket (ticket, userUid, proof) {
      const ticketHash = hashTicket(ticket)
      const result = await unlessWrong(async (trx) => {
        const inTrx = createTwoFactorRepository(trx)
        // First, under the ticket's row lock: of concurrent redemptions, one goes on.
        if (!await inTrx.consumeTicket(ticketHash, MAX_TICKET_FAILURES)) return { outcome: 'invalid_ticket' } as const
        const method = await spend(inTrx, userUid, proof)
        if (method === undefined) throw new WrongFactor()
        return { outcome: 'accepted', method } as const
      })
      if (result !== 'invalid_code') return result
      await repo.ticketFailed(ticketHash)
      return { outcome: 'invalid_code' }
    }
  } satisfies TwoFactorService)
}, { name: 'two-factor', dependencies: ['env', 'db', 'two-factor-repository'] })
