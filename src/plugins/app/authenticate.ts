// Guards, used per route as onRequest hooks (the @fastify/jwt README pattern):
// authenticate for access tokens, authenticateRefresh for refresh tokens.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { TokenKind, TokenPayload } from '../external/jwt.js'
import { AppError } from '../../lib/errors.js'

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: Guard
    authenticateRefresh: Guard
  }
}

const BEARER = /^Bearer ([A-Za-z0-9\-_.]+)$/i

// The session of a deleted user is gone for good: its tokens are simply invalid.
export function revokedError (reason: string): AppError {
  return new AppError(reason === 'user_deleted' ? 'invalid_token' : 'token_revoked')
}

export default fp(async function authenticate (fastify) {
  const { jwt, revocations } = fastify

  const verifyAs = (kind: TokenKind, token: string): TokenPayload | undefined => {
    try {
      return jwt[kind].verify<TokenPayload>(token)
    } catch {
      return undefined
    }
  }

  const guard = (kind: TokenKind, other: TokenKind): Guard => async (request) => {
    const match = BEARER.exec(request.headers.authorization ?? '')
    if (match?.[1] === undefined) throw new AppError('not_authenticated')
    const payload = verifyAs(kind, match[1])
    if (payload === undefined) {
      // Only on the failure path: say which kind was expected when the other kind was sent.
      if (verifyAs(other, match[1]) !== undefined) throw new AppError(`${kind}_token_required`)
      throw new AppError('invalid_token')
    }
    const reason = revocations.reasonFor(payload.sid)
    if (reason !== undefined) throw revokedError(reason)
    request.user = payload
  }

  fastify.decorate('authenticate', guard('access', 'refresh'))
  fastify.decorate('authenticateRefresh', guard('refresh', 'access'))
}, { name: 'authenticate', dependencies: ['jwt', 'revocations'] })
