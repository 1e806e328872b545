// Signs access/refresh token pairs. Every claim comes from the arguments, so the same
// session state signs the same pair again (the refresh reuse window relies on it).
import fp from 'fastify-plugin'
import type { SessionOwner, TokenPairIds } from '../../../db/types.js'
import type { TokenKind, TokenPayload } from '../../../schemas/tokens.js'

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenPayload
    user: TokenPayload
    namespaces: TokenKind
  }
}

export interface TokenPair {
  access_token: string
  refresh_token: string
}

export interface Tokens {
  signPair (owner: SessionOwner, sid: string, ids: TokenPairIds): TokenPair
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: Tokens
  }
}

export default fp(async function tokens (fastify) {
  const { ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL } = fastify.config
  const { access, refresh } = fastify.jwt

  const payload = (owner: SessionOwner, sid: string, jti: string, iat: number, ttl: number, isRefresh: boolean): TokenPayload => ({
    user: { email: owner.email, user_uid: owner.uid, role: owner.role },
    sub: owner.uid,
    sid,
    jti,
    refresh: isRefresh,
    iat,
    exp: iat + ttl
  })

  fastify.decorate('tokens', {
    signPair (owner, sid, ids) {
      return {
        access_token: access.sign(payload(owner, sid, ids.accessJti, ids.issuedAt, ACCESS_TOKEN_TTL, false)),
        refresh_token: refresh.sign(payload(owner, sid, ids.refreshJti, ids.issuedAt, REFRESH_TOKEN_TTL, true))
      }
    }
  } satisfies Tokens)
}, { name: 'tokens', dependencies: ['env', 'jwt'] })
