// @fastify/jwt registered twice, once per token kind: each kind has its own audience and
// `typ` header, and each verifier pins the algorithm, so one kind never passes for the other.
import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { Role } from '../../db/types.js'

export const ISSUER = 'bookly'

export const TOKEN_KINDS = {
  access: { aud: 'bookly:access', typ: 'at+jwt' },
  refresh: { aud: 'bookly:refresh', typ: 'rt+jwt' }
} as const

export type TokenKind = keyof typeof TOKEN_KINDS

export interface TokenPayload {
  user: { email: string, user_uid: string, role: Role }
  sub: string
  sid: string
  jti: string
  refresh: boolean
  iat: number
  exp: number
  iss?: string
  aud?: string
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenPayload
    user: TokenPayload
    namespaces: TokenKind
  }
}

export default fp(async function jwt (fastify) {
  const { JWT_SECRET, JWT_ALGORITHM } = fastify.config
  for (const [namespace, { aud, typ }] of Object.entries(TOKEN_KINDS)) {
    await fastify.register(fastifyJwt, {
      namespace,
      secret: JWT_SECRET,
      sign: { algorithm: JWT_ALGORITHM, iss: ISSUER, aud, header: { alg: JWT_ALGORITHM, typ } },
      verify: {
        algorithms: [JWT_ALGORITHM],
        allowedIss: ISSUER,
        allowedAud: aud,
        checkTyp: typ,
        // Verified tokens are remembered by the authenticate plugin, keyed by the token itself.
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp', 'user']
      }
    })
  }
}, { name: 'jwt', dependencies: ['env'] })
