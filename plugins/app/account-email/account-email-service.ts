// E-mail verification, password reset and e-mail change: what the auth routes call. Tokens are 256
// random bits, stored as SHA-256 hashes; each mail is queued in the statement that stores its token,
// and the background sender (plugins/app/mail/) delivers it.
import fp from 'fastify-plugin'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Config } from '../../../config/schema.js'
import { TOKEN_PURPOSES, type NewUser, type TokenPurpose, type User } from '../../../db/types.js'
import { EMAIL_CHANGE_PATH, RESET_PAGE_PATH, VERIFY_PATH } from '../../../schemas/account-email.js'
import { AppError } from '../http/errors.js'
import { createOutboxRepository } from '../mail/outbox-repository.js'
import type { CallerSocket } from '../passwords/hash-gate.js'
import type { EventOrigin } from '../security-events/security-events-repository.js'
import { createUsersRepository } from '../users/users-repository.js'
import { createAccountTokensRepository, type AccountTokensRepository, type MailContent } from './account-tokens-repository.js'
import {
  emailChangeMail, emailChangeNotice, passwordResetMail, verificationMail, type Recipient
} from './messages.js'

export interface AccountEmail {
  // Creates the account and queues its verification mail, in one transaction; undefined when the e-mail is taken.
  signUp (user: NewUser): Promise<User | undefined>
  // The same work and no answer for every address: a mail goes out only to an enabled, unverified account.
  resendVerification (email: string): Promise<void>
  // The account whose address the token verified, or undefined for a bad, expired or wrong-purpose token.
  verifyEmail (token: string): Promise<string | undefined>
  // The same work and no answer for every address: a mail goes out only to an enabled account.
  requestPasswordReset (email: string): Promise<void>
  // Sets the password, verifies the address, voids the account's other reset links and its pending
  // e-mail change, and ends all its sessions; undefined for a bad, expired, used or wrong-purpose
  // token. A password the policy refuses throws its 422 (naming new_password) and leaves the token usable.
  resetPassword (token: string, newPassword: string, socket?: CallerSocket): Promise<{ uid: string, endedSessions: number } | undefined>
  // In one transaction: a link to `newEmail` that moves the account there (its earlier such links
  // void), and a notice to its current address. 403 user_exists when another account has the address.
  requestEmailChange (account: User, newEmail: string, origin: EventOrigin): Promise<void>
  // Moves the account to the address the link went to, verified, voids its other links and ends all
  // its sessions; undefined for a bad, expired, used or voided token or a disabled account. 403
  // user_exists, with nothing changed and the token unused, when the address was taken meanwhile.
  confirmEmailChange (token: string): Promise<{ uid: string, from: string, to: string, endedSessions: number } | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    accountEmail: AccountEmail
  }
}

const TOKEN_BYTES = 32
// base64url of 32 bytes, no padding; anything else cannot be a token and costs no query.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

const newToken = () => randomBytes(TOKEN_BYTES).toString('base64url')
export const hashToken = (token: string) => createHash('sha256').update(token).digest()

// PUBLIC_URL, or where this server listens (an IPv6 address in brackets), without a trailing slash.
export function publicUrl (config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
  return (config.PUBLIC_URL || `http://${host}:${config.PORT}`).replace(/\/+$/, '')
}

class EmailTaken extends Error {}

// Someone no account belongs to: an unknown address goes through the same statements with this id.
const nobody = (): Pick<User, 'uid'> & Recipient => ({ uid: randomUUID(), first_name: '', username: '' })

// What the owner re-securing the account (a password change or reset) voids: links it may not have asked for.
export const VOIDED_BY_NEW_PASSWORD = ['password_reset', 'email_change'] as const satisfies readonly TokenPurpose[]

export default fp(async function accountEmail (fastify) {
  const { db, passwords, passwordPolicy, sessionService, usersRepository, accountTokensRepository: tokens } = fastify
  const { EMAIL_VERIFICATION_TTL, PASSWORD_RESET_TTL, EMAIL_CHANGE_TTL, PASSWORD_RESET_URL } = fastify.config
  const base = publicUrl(fastify.config)

  // In the fragment: a browser sends it to no server, so it reaches no log and no Referer.
  const resetLink = (token: string) => PASSWORD_RESET_URL
    ? PASSWORD_RESET_URL.replaceAll('{token}', token)
    : `${base}${RESET_PAGE_PATH}#token=${token}`

  // Each purpose's lifetime, and its mail with the link to the token.
  const links: Record<TokenPurpose, { ttlSeconds: number, mail: (to: Recipient, token: string) => MailContent }> = {
    verify_email: {
      ttlSeconds: EMAIL_VERIFICATION_TTL,
      mail: (to, token) => verificationMail(to, `${base}${VERIFY_PATH}/${token}`, EMAIL_VERIFICATION_TTL)
    },
    password_reset: {
      ttlSeconds: PASSWORD_RESET_TTL,
      mail: (to, token) => passwordResetMail(to, resetLink(token), PASSWORD_RESET_TTL)
    },
    email_change: {
      ttlSeconds: EMAIL_CHANGE_TTL,
      mail: (to, token) => emailChangeMail(to, `${base}${EMAIL_CHANGE_PATH}/${token}`, EMAIL_CHANGE_TTL)
    }
  }

  // The link goes to `email`; it is stored only while the account has `accountEmail`.
  const issue = (
    repository: AccountTokensRepository, purpose: TokenPurpose, account: Pick<User, 'uid'> & Recipient, email: string, accountEmail = email
  ) => {
    const token = newToken()
    const { ttlSeconds, mail } = links[purpose]
    const tokenHash = hashToken(token)
    return repository.issue({ purpose, userUid: account.uid, email, accountEmail, tokenHash, ttlSeconds, mail: mail(account, token) })
  }

  const issueForAddress = async (purpose: TokenPurpose, email: string) => {
    await issue(tokens, purpose, await usersRepository.findByEmail(email) ?? nobody(), email)
  }

  fastify.decorate('accountEmail', {
    async signUp (user) {
      try {
        return await db.transaction().execute(async (trx) => {
          const created = await createUsersRepository(trx).create(user)
          // The failed insert has aborted the transaction: roll it back rather than commit it.
          if (created === undefined) throw new EmailTaken()
          await issue(createAccountTokensRepository(trx), 'verify_email', created, created.email)
          return created
        })
      } catch (err) {
        if (err instanceof EmailTaken) return undefined
        throw err
      }
    },

    resendVerification: (email) => issueForAddress('verify_email', email),

    async verifyEmail (token) {
      if (!TOKEN_SHAPE.test(token)) return undefined
      return tokens.consumeVerification(hashToken(token))
    },

    requestPasswordReset: (email) => issueForAddress('password_reset', email),

    async resetPassword (token, newPassword, socket) {
      if (!TOKEN_SHAPE.test(token)) return undefined
      const tokenHash = hashToken(token)
      // A cheap refusal first, so a made-up token costs no password hash; consumeReset decides.
      const account = await tokens.resetAccount(tokenHash)
      if (account === undefined) return undefined
      await passwordPolicy.check(newPassword, account, 'new_password')
      const passwordHash = await passwords.hash(newPassword, socket)
      const done = await db.transaction().execute(async (trx) => {
        const trxTokens = createAccountTokensRepository(trx)
        const owner = await trxTokens.consumeReset(tokenHash)
        if (owner === undefined) return undefined
        await createUsersRepository(trx).resetPassword(owner.user_uid, passwordHash)
        await trxTokens.voidTokens(owner.user_uid, VOIDED_BY_NEW_PASSWORD)
        const ended = await sessionService.endUserSessionsWithin(trx, owner.user_uid, 'password_reset')
        return { uid: owner.user_uid, ended }
      })
      if (done === undefined) return undefined
      done.ended.announce()
      return { uid: done.uid, endedSessions: done.ended.count }
    },

    async requestEmailChange (account, newEmail, origin) {
      // The early answer for an address already taken; confirming decides, by the unique index.
      if (await usersRepository.findByEmail(newEmail) !== undefined) throw new AppError('user_exists')
      await db.transaction().execute(async (trx) => {
        // Not stored: the account was disabled or moved to another address since the caller's token
        // was checked, and either ended its sessions.
        const issued = await issue(createAccountTokensRepository(trx), 'email_change', account, newEmail, account.email)
        if (!issued) throw new AppError('token_revoked')
        await createOutboxRepository(trx).queue('email_change_notice', account.email, emailChangeNotice(account, newEmail, origin))
      })
    },

    async confirmEmailChange (token) {
      if (!TOKEN_SHAPE.test(token)) return undefined
      const done = await db.transaction().execute(async (trx) => {
        const trxTokens = createAccountTokensRepository(trx)
        const change = await trxTokens.consumeEmailChange(hashToken(token))
        if (change === undefined) return undefined
        const moved = await createUsersRepository(trx).changeEmail(change.user_uid, change.email)
        // Thrown, so the transaction rolls back and the token stays unused.
        if (moved === 'taken') throw new AppError('user_exists')
        if (moved === 'disabled') throw new AppError('invalid_or_expired_token')
        // Links sent to the old address die, and so does any other change link.
        await trxTokens.voidTokens(change.user_uid, TOKEN_PURPOSES)
        // Every token of the account carries the old address.
        const ended = await sessionService.endUserSessionsWithin(trx, change.user_uid, 'email_changed')
        return { uid: change.user_uid, from: moved.previousEmail, to: change.email, ended }
      })
      if (done === undefined) return undefined
      const { ended, ...change } = done
      ended.announce()
      return { ...change, endedSessions: ended.count }
    }
  } satisfies AccountEmail)
}, {
  name: 'account-email',
  dependencies: ['env', 'db', 'passwords', 'password-policy', 'session-service', 'users-repository', 'account-tokens-repository']
})
