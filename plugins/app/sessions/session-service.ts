// Opening, refreshing and ending login sessions: what the auth routes call.
import fp from 'fastify-plugin'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AuthMethod, Database, RevocationReason, SessionOwner, TokenPairIds } from '../../../db/types.js'
import type { TokenPayload } from '../../../schemas/tokens.js'
import type { TokenPair } from '../auth/tokens.js'
import { AppError } from '../http/errors.js'
import { revokedError } from './revocations.js'
import { createSessionsRepository, loginAuth, type LoginHistory } from './sessions-repository.js'

export type LogoutScope = 'local' | 'others' | 'global'

// Where a login came from, as the caller's session list shows it.
export interface LoginOrigin {
  userAgent?: string
  ip?: string
}

export interface SessionService {
  // undefined when the account was disabled, deleted or given another role since `owner` was read.
  // The login is recorded as a security event; `history` tells whether the device is new. `amr`
  // says how the login was made, ['pwd'] unless a second factor was given.
  open (owner: SessionOwner, origin: LoginOrigin, amr?: AuthMethod[]): Promise<{ tokens: TokenPair, history: LoginHistory } | undefined>
  refresh (token: TokenPayload): Promise<TokenPair>
  // How many sessions ended.
  logout (caller: TokenPayload, scope: LogoutScope): Promise<number>
  // Ends sessions of a user (all, or all but one) and returns how many ended.
  endUserSessions (userUid: string, reason: RevocationReason, except?: string): Promise<number>
  // Ends every session of a user within the caller's transaction. Call `announce` once it has
  // committed: this instance then refuses the tokens at once (the others hear the trigger's NOTIFY).
  endUserSessionsWithin (trx: Kysely<Database>, userUid: string, reason: RevocationReason): Promise<{ count: number, announce (): void }>
  // Ends one session of the user's own; false when they have no such live session.
  endSession (userUid: string, sid: string): Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionService: SessionService
  }
}

const newPairIds = (): TokenPairIds => ({
  accessJti: randomUUID(),
  refreshJti: randomUUID(),
  issuedAt: Math.floor(Date.now() / 1000)
})

export default fp(async function sessionService (fastify) {
  const { sessionsRepository: repo, tokens, revocations } = fastify
  const { REFRESH_REUSE_WINDOW, SESSION_MAX_AGE, REFRESH_TOKEN_TTL } = fastify.config

  const revoke = async (where: Parameters<typeof repo.revoke>[0], reason: RevocationReason) => {
    const ids = await repo.revoke(where, reason)
    // This instance knows at once; the others hear it through the database's NOTIFY.
    for (const id of ids) revocations.add(id, reason)
    return ids
  }

  fastify.decorate('sessionService', {
    async open (owner, origin, amr = ['pwd']) {
      const sid = randomUUID()
      const ids = newPairIds()
      const login = { authTime: ids.issuedAt, amr }
      // The session records the key before its tokens are signed, so revoking that key finds it.
      const signer = tokens.signer()
      const history = await repo.open({ id: sid, owner, login, maxAge: SESSION_MAX_AGE, ...origin, ...ids, signingKid: signer.kid })
      return history === undefined ? undefined : { tokens: signer.signPair(owner, sid, ids, login), history }
    },

    async refresh (token) {
      const ids = newPairIds()
      const signer = tokens.signer()
      const rotated = await repo.rotate({ sid: token.sid, presentedJti: token.jti, ...ids, signingKid: signer.kid })
      if (rotated !== undefined) return signer.signPair(rotated, token.sid, ids, loginAuth(rotated))

      const session = await repo.findForRefresh(token.sid, REFRESH_REUSE_WINDOW)
      if (session === undefined) throw new AppError('invalid_token')
      if (session.revoked_at !== null) throw revokedError(session.revoked_reason ?? 'logout')
      if (session.uid === null || session.email === null || session.role === null) throw new AppError('invalid_token')
      if (session.expired) throw new AppError('session_expired')
      if (session.previous_refresh_jti === token.jti && session.in_reuse_window) {
        // Two tabs, or a lost response: hand out the successor pair again instead of forking the family.
        const owner = { uid: session.uid, email: session.email, role: session.role }
        const issuedAt = Math.floor(session.issued_at.getTime() / 1000)
        return signer.signPair(owner, token.sid, { accessJti: session.access_jti, refreshJti: session.refresh_jti, issuedAt }, loginAuth(session))
      }
      // An older token, or the previous one after the window: replay. End the whole family.
      await revoke({ sid: token.sid }, 'refresh_token_reused')
      fastify.log.warn({ sid: token.sid, user: token.sub }, 'refresh token reuse detected; session revoked')
      throw new AppError('refresh_token_reused')
    },

    async logout (caller, scope) {
      const where = scope === 'local'
        ? { sid: caller.sid }
        : { userUid: caller.sub, except: scope === 'others' ? caller.sid : undefined }
      return (await revoke(where, 'logout')).length
    },

    async endUserSessions (userUid, reason, except) {
      return (await revoke({ userUid, except }, reason)).length
    },

    async endUserSessionsWithin (trx, userUid, reason) {
      const ids = await createSessionsRepository(trx, { idleTtl: REFRESH_TOKEN_TTL }).revoke({ userUid }, reason)
      return { count: ids.length, announce: () => { for (const id of ids) revocations.add(id, reason) } }
    },

    async endSession (userUid, sid) {
      return (await revoke({ userUid, sid }, 'ended_by_user')).length > 0
    }
  } satisfies SessionService)
}, { name: 'session-service', dependencies: ['env', 'sessions-repository', 'tokens', 'revocations'] })
