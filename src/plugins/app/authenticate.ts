// Guards, used per route as onRequest hooks (the @fastify/jwt README pattern):
// authenticate for access tokens, authenticateRefresh for refresh tokens.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { TokenKind, TokenPayload } from '../external/jwt.js'
import { AppError } from '../../lib/errors.js'

// Callback style, not async: this runs on every authenticated request, and a promise per hook
// is a measurable share of an authenticated GET (bench/, scenario GET /auth/verify).
type Guard = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

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

  const check = (kind: TokenKind, other: TokenKind, request: FastifyRequest): AppError | undefined => {
    const match = BEARER.exec(request.headers.authorization ?? '')
    if (match?.[1] === undefined) return new AppError('not_authenticated')
    const payload = verifyAs(kind, match[1])
    if (payload === undefined) {
      // Only on the failure path: say which kind was expected when the other kind was sent.
      if (verifyAs(other, match[1]) !== undefined) return new AppError(`${kind}_token_required`)
      return new AppError('invalid_token')
    }
    const reason = revocations.reasonFor(payload.sid)
    if (reason !== undefined) return revokedError(reason)
    request.user = payload
  }

  const guard = (kind: TokenKind, other: TokenKind): Guard => (request, _reply, done) => {
    const error = check(kind, other, request)
    if (error === undefined) done()
    else done(error)
  }

  fastify.decorate('authenticate', guard('access', 'refresh'))
  fastify.decorate('authenticateRefresh', guard('refresh', 'access'))
}, { name: 'authenticate', dependencies: ['jwt', 'revocations'] })
