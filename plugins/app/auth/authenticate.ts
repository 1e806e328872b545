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

// Tokens that passed verification, until they expire. In front of @fastify/jwt rather than
// fast-jwt's cache under it (off): that one keys entries by a SHA-256 of the token, which costs as much per request as the
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
  const { tokenCodecs, revocations } = fastify

  const verified = { access: verifiedTokens(), refresh: verifiedTokens() }
  // A retired or revoked key's tokens must not pass from memory either.
  fastify.keyStore.onWithdrawn(() => { verified.access.clear(); verified.refresh.clear() })

  // The token's claims as this kind, from memory or else from @fastify/jwt; undefined when it is not one.
  const verifyAs = (kind: TokenKind, request: FastifyRequest, token: string, callback: (payload: TokenPayload | undefined) => void): void => {
    const known = verified[kind].get(token)
    if (known !== undefined) {
      callback(known)
      return
    }
    tokenCodecs[kind].verify(request, (claims) => {
      if (claims === undefined) {
        callback(undefined)
        return
      }
      // Frozen: the cached claims are shared by every request that presents this token.
      const payload = Object.freeze(claims)
      verified[kind].add(token, payload)
      callback(payload)
    })
  }

  // The usual header, "Bearer <a token this instance verified>", is found without parsing it.
  const knownToken = (kind: TokenKind, header: string | undefined): TokenPayload | undefined =>
    header?.startsWith('Bearer ') === true ? verified[kind].get(header.slice(7)) : undefined

  const admit = (request: FastifyRequest, payload: TokenPayload, done: HookHandlerDoneFunction): void => {
    const reason = revocations.reasonFor(payload.sid)
    if (reason !== undefined) {
      done(revokedError(reason))
      return
    }
    request.user = payload
    done()
  }

  const guard = (kind: TokenKind, other: TokenKind): Guard => (request, _reply, done) => {
    if (severalAuthorizations(request.raw.rawHeaders)) {
      done(new AppError('bad_request', 'Send one Authorization header, not several'))
      return
    }
    const header = request.headers.authorization
    const known = knownToken(kind, header)
    if (known !== undefined) {
      admit(request, known, done)
      return
    }
    const token = BEARER.exec(header ?? '')?.[1]
    if (token === undefined) {
      done(new AppError('not_authenticated'))
      return
    }
    verifyAs(kind, request, token, (payload) => {
      if (payload !== undefined) {
        admit(request, payload, done)
        return
      }
      // Only on the failure path: say which kind was expected when the other kind was sent.
      verifyAs(other, request, token, (otherPayload) => {
        done(new AppError(otherPayload !== undefined ? `${kind}_token_required` : 'invalid_token'))
      })
    })
  }

  fastify.decorate('authenticate', guard('access', 'refresh'))
  fastify.decorate('authenticateRefresh', guard('refresh', 'access'))
}, { name: 'authenticate', dependencies: ['jwt', 'key-store', 'revocations'] })
