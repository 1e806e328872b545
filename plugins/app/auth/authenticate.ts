// Guards, used per route as onRequest hooks (the @fastify/jwt README pattern):
// authenticate for access tokens, authenticateRefresh for refresh tokens.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { TokenKind, TokenPayload } from '../../../schemas/tokens.js'
import { AppError } from '../http/errors.js'
import { revokedError } from '../sessions/revocations.js'

// Callback style, not async: this runs on every authenticated request, and a promise per hook
// is a measurable share of an authenticated GET (bench/README.md, the verify scenario).
export type Guard = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: Guard
    authenticateRefresh: Guard
  }
}

const BEARER = /^Bearer ([A-Za-z0-9\-_.]+)$/i

// Tokens that passed verification, until they expire. In front of fast-jwt rather than its own
// cache: that one keys entries by a SHA-256 of the token, which costs as much per request as the
// HMAC check it saves, and it warns about any other key (GHSA-rp9m-7r4c-75qg). Entries are found by
// the signature segment (hashing the whole token per request was a measurable share of a verify)
// and match only the very same token text, so a token with another header or payload never does.
// Revocation is checked on every request regardless.
const VERIFIED_MAX = 10_000

const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1)

function verifiedTokens () {
  const tokens = new Map<string, { token: string, payload: TokenPayload }>()
  return {
    get (token: string): TokenPayload | undefined {
      const signature = signatureOf(token)
      const entry = tokens.get(signature)
      if (entry === undefined || entry.token !== token) return undefined
      if (entry.payload.exp * 1000 > Date.now()) return entry.payload
      tokens.delete(signature)
      return undefined
    },
    add (token: string, payload: TokenPayload): void {
      // Oldest first out: a Map iterates in insertion order.
      if (tokens.size >= VERIFIED_MAX) {
        const oldest = tokens.keys().next()
        if (oldest.done !== true) tokens.delete(oldest.value)
      }
      tokens.set(signatureOf(token), { token, payload })
    },
    clear: () => tokens.clear()
  }
}

// Node keeps the first of several Authorization headers and a proxy in front may read the last,
// so neither is believed. rawHeaders is the request as sent: name, value, name, value...
function severalAuthorizations (rawHeaders: readonly string[]): boolean {
  let seen = false
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name?.length !== 13 || name.toLowerCase() !== 'authorization') continue
    if (seen) return true
    seen = true
  }
  return false
}

export default fp(async function authenticate (fastify) {
  const { jwt, revocations } = fastify

  const verified = { access: verifiedTokens(), refresh: verifiedTokens() }
  // A retired or revoked key's tokens must not pass from memory either.
  fastify.keyStore.onWithdrawn(() => { verified.access.clear(); verified.refresh.clear() })

  const verifyAs = (kind: TokenKind, token: string): TokenPayload | undefined => {
    const known = verified[kind].get(token)
    if (known !== undefined) return known
    try {
      // Frozen: the cached claims are shared by every request that presents this token.
      const payload = Object.freeze(jwt[kind].verify(token))
      verified[kind].add(token, payload)
      return payload
    } catch {
      return undefined
    }
  }

  const verifyHeader = (kind: TokenKind, other: TokenKind, header: string | undefined): TokenPayload | AppError => {
    const match = BEARER.exec(header ?? '')
    if (match?.[1] === undefined) return new AppError('not_authenticated')
    const payload = verifyAs(kind, match[1])
    if (payload === undefined) {
      // Only on the failure path: say which kind was expected when the other kind was sent.
      if (verifyAs(other, match[1]) !== undefined) return new AppError(`${kind}_token_required`)
      return new AppError('invalid_token')
    }
    return payload
  }

  // The usual header, "Bearer <a token this instance verified>", is found without parsing it.
  const knownToken = (kind: TokenKind, header: string | undefined): TokenPayload | undefined =>
    header?.startsWith('Bearer ') === true ? verified[kind].get(header.slice(7)) : undefined

  const check = (kind: TokenKind, other: TokenKind, request: FastifyRequest): AppError | undefined => {
    if (severalAuthorizations(request.raw.rawHeaders)) return new AppError('bad_request', 'Send one Authorization header, not several')
    const header = request.headers.authorization
    const payload = knownToken(kind, header) ?? verifyHeader(kind, other, header)
    if (payload instanceof AppError) return payload
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
}, { name: 'authenticate', dependencies: ['jwt', 'key-store', 'revocations'] })
