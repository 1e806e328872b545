// Signing and verifying each token kind with @fastify/jwt, one namespace per kind (its own audience,
// `typ` and claims), so one kind never passes for the other. The key store's current key signs; a
// token is verified only with the key its header's `kid` names among the keys this instance holds,
// handed to @fastify/jwt by its `secret` callback, and only with that key's algorithm. Nothing a
// header points at (jku, x5u, jwk) is fetched or trusted. After the signature, the claims are
// checked against their schema (@fastify/jwt's `trusted`): a token our key signed with claims we
// never mint (a numeric sid, another audience, a refresh claim on an access token) is refused too.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import fastifyJwt, { type JwtHeader, type JwtVerifyFunction, type TokenOrHeader } from '@fastify/jwt'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import { ISSUER, TOKEN_KINDS, verifiedClaims, type TokenKind, type TokenPayload } from '../../../schemas/tokens.js'
import type { SigningMaterial } from '../keys/key-store.js'

export interface TokenCodec {
  sign (payload: TokenPayload, key: SigningMaterial): string
  // Verifies the request's bearer token as this kind: its claims, or undefined when it is not valid.
  verify (request: FastifyRequest, callback: (payload: TokenPayload | undefined) => void): void
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenPayload
    // The verified claims of the request's token (set by the authenticate guards).
    user: TokenPayload
    namespaces: TokenKind
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    tokenCodecs: Record<TokenKind, TokenCodec>
  }
  interface FastifyRequest {
    accessJwtVerify: JwtVerifyFunction
    refreshJwtVerify: JwtVerifyFunction
  }
}

const VERIFY = { access: 'accessJwtVerify', refresh: 'refreshJwtVerify' } as const

// How far ahead of this instance's clock another instance's may be when it issues a token.
export const IAT_SKEW_SECONDS = 60

// Strict: a claim is taken as signed, never coerced.
const ajv = new Ajv({ coerceTypes: false })
formats.default(ajv)

function claimsChecker (kind: TokenKind) {
  const valid = ajv.compile<TokenPayload>(verifiedClaims(kind))
  return (payload: unknown): boolean => valid(payload) &&
    payload.iat <= Date.now() / 1000 + IAT_SKEW_SECONDS &&
    payload.user.user_uid === payload.sub
}

// Which of a token's keys the secret callback hands over (HMAC's former secrets are tried in
// turn), and whether another one is left to try.
interface Attempt {
  index: number
  more: boolean
}

export default fp(async function jwt (fastify) {
  const { keyStore } = fastify
  const attempts = new WeakMap<FastifyRequest, Attempt>()

  // With `decode: { complete: true }` @fastify/jwt hands over the decoded header and payload.
  const secret = (request: FastifyRequest, token: TokenOrHeader, cb: (err: Error | null, secret: string | undefined) => void): void => {
    const header: JwtHeader = 'header' in token ? token.header : token
    const kid: unknown = header.kid
    const keys = kid === undefined || typeof kid === 'string' ? keyStore.verifying(kid) : undefined
    const attempt = attempts.get(request) ?? { index: 0, more: false }
    const key = keys?.[attempt.index]
    attempt.more = keys !== undefined && attempt.index + 1 < keys.length
    if (key === undefined) cb(new Error('The token names no key this service holds.'), undefined)
    else if (header.alg !== key.alg) cb(new Error('The token is not signed with its key\'s algorithm.'), undefined)
    else cb(null, key.key)
  }

  for (const kind of ['access', 'refresh'] as const) {
    const { aud, typ } = TOKEN_KINDS[kind]
    const checkClaims = claimsChecker(kind)
    await fastify.register(fastifyJwt, {
      namespace: kind,
      jwtVerify: VERIFY[kind],
      // The signing key is given per call (TokenCodec.sign): it changes when the keys rotate.
      secret,
      decode: { complete: true },
      sign: { iss: ISSUER, aud },
      // No algorithms here: each key's verifier takes only its key's (the secret callback checks the
      // header's against it). No cache either: authenticate.ts keeps verified tokens itself.
      verify: { allowedIss: ISSUER, allowedAud: aud, checkTyp: typ },
      trusted: (_request, payload) => checkClaims(payload)
    })
  }

  const codec = (kind: TokenKind): TokenCodec => {
    const library = fastify.jwt[kind]
    const { typ } = TOKEN_KINDS[kind]
    return {
      sign: (payload, key) => library.sign(payload, { key: key.key, algorithm: key.alg, kid: key.kid, header: { alg: key.alg, typ } }),
      verify (request, callback) {
        const attempt: Attempt = { index: 0, more: false }
        attempts.set(request, attempt)
        const next = (): void => {
          request[VERIFY[kind]]((err: Error | null, payload: TokenPayload) => {
            if (err === null) {
              callback(payload)
            } else if (attempt.more) {
              attempt.index++
              next()
            } else {
              callback(undefined)
            }
          })
        }
        next()
      }
    }
  }

  fastify.decorate('tokenCodecs', { access: codec('access'), refresh: codec('refresh') })
}, { name: 'jwt', dependencies: ['key-store'] })
