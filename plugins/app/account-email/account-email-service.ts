// E-mail verification and password reset: what the auth routes call. Tokens are 256 random bits,
// stored as SHA-256 hashes; each mail is queued in the statement that stores its token, and the
// background sender (plugins/app/mail/) delivers it.
import fp from 'fastify-plugin'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Config } from '../../../config/schema.js'
import type { NewUser, TokenPurpose, User } from '../../../db/types.js'
import { RESET_PAGE_PATH, VERIFY_PATH } from '../../../schemas/account-email.js'
import type { CallerSocket } from '../passwords/hash-gate.js'
import { createUsersRepository } from '../users/users-repository.js'
import { createAccountTokensRepository } from './account-tokens-repository.js'
import { passwordResetMail, verificationMail, type Recipient } from './messages.js'

export interface AccountEmail {
  // Creates the account and queues its verification mail, in one transaction; undefined when the e-mail is taken.
  signUp (user: NewUser): Promise<User | undefined>
  // The same work and no answer for every address: a mail goes out only to an enabled, unverified account.
  resendVerification (email: string): Promise<void>
  // The account whose address the token verified, or undefined for a bad, expired or wrong-purpose token.
  verifyEmail (token: string): Promise<string | undefined>
  // The same work and no answer for every address: a mail goes out only to an enabled account.
  requestPasswordReset (email: string): Promise<void>
  // Sets the password, verifies the address, voids the account's other reset links and ends all its
  // sessions; undefined for a bad, expired, used or wrong-purpose token. A password the policy
  // refuses throws its 422 (naming new_password) and leaves the token usable.
  resetPassword (token: string, newPassword: string, socket?: CallerSocket): Promise<{ uid: string, endedSessions: number } | undefined>
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

export default fp(async function accountEmail (fastify) {
  const { db, passwords, passwordPolicy, sessionService, usersRepository, accountTokensRepository: tokens } = fastify
  const { EMAIL_VERIFICATION_TTL, PASSWORD_RESET_TTL, PASSWORD_RESET_URL } = fastify.config
  const base = publicUrl(fastify.config)

  const verifyLink = (token: string) => `${base}${VERIFY_PATH}/${token}`
  // In the fragment: a browser sends it to no server, so it reaches no log and no Referer.
  const resetLink = (token: string) => PASSWORD_RESET_URL
    ? PASSWORD_RESET_URL.replaceAll('{token}', token)
    : `${base}${RESET_PAGE_PATH}#token=${token}`

  const issue = (purpose: TokenPurpose, account: Pick<User, 'uid'> & Recipient, email: string, repository = tokens) => {
    const token = newToken()
    const [ttlSeconds, mail] = purpose === 'verify_email'
      ? [EMAIL_VERIFICATION_TTL, verificationMail(account, verifyLink(token), EMAIL_VERIFICATION_TTL)]
      : [PASSWORD_RESET_TTL, passwordResetMail(account, resetLink(token), PASSWORD_RESET_TTL)]
    return repository.issue({ purpose, userUid: account.uid, email, tokenHash: hashToken(token), ttlSeconds, mail })
  }

  const issueForAddress = async (purpose: TokenPurpose, email: string) => {
    await issue(purpose, await usersRepository.findByEmail(email) ?? nobody(), email)
  }

  fastify.decorate('accountEmail', {
    async signUp (user) {
      try {
        return await db.transaction().execute(async (trx) => {
          const created = await createUsersRepository(trx).create(user)
          // The failed insert has aborted the transaction: roll it back rather than commit it.
          if (created === undefined) throw new EmailTaken()
          await issue('verify_email', created, created.email, createAccountTokensRepository(trx))
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
        await trxTokens.voidPasswordResets(owner.user_uid)
        const ended = await sessionService.endUserSessionsWithin(trx, owner.user_uid, 'password_reset')
        return { uid: owner.user_uid, ended }
      })
      if (done === undefined) return undefined
      done.ended.announce()
      return { uid: done.uid, endedSessions: done.ended.count }
    }
  } satisfies AccountEmail)
}, {
  name: 'account-email',
  dependencies: ['env', 'db', 'passwords', 'password-policy', 'session-service', 'users-repository', 'account-tokens-repository']
})
