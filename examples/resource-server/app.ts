// A resource server that trusts Bookly's access tokens by Bookly's published keys (JWKS) alone:
// no shared secret, no call to Bookly per request. A token is trusted until it expires, even
// after its user logged out; a service that must see logouts at once asks Bookly's
// GET /api/v1/auth/verify instead.
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt'
import buildGetJwks from 'get-jwks'

export interface ResourceServerOptions {
  // Bookly's base URL, e.g. https://auth.example.com: the only place keys are fetched from.
  booklyUrl: string
  // Seconds a fetched key is used before it is fetched again (a revoked key is trusted that long).
  jwksCacheTtl: number
  logger?: boolean
}

// What this service reads from Bookly's access token.
interface AccessClaims {
  sub: string
  user: { email: string, role: string }
}

interface Header {
  kid?: unknown
  alg?: unknown
}

export function buildResourceServer ({ booklyUrl, jwksCacheTtl, logger = false }: ResourceServerOptions) {
  const app = Fastify({ logger })
  // The domain is ours, never the token's `iss` or a URL its header names (jku, x5u): a token
  // picks a key by kid among Bookly's published keys and nothing else. An unknown kid makes
  // get-jwks fetch the set again, so a key Bookly just rotated in is found.
  const jwks = buildGetJwks({ jwksPath: '/.well-known/jwks.json', ttl: jwksCacheTtl * 1000, issuersWhitelist: [booklyUrl] })

  app.register(fastifyJwt, {
    decode: { complete: true },
    secret: async (_request: FastifyRequest, token: TokenOrHeader) => {
      const { kid, alg } = ('header' in token ? token.header : token) as Header
      if (typeof kid !== 'string' || typeof alg !== 'string') throw new Error('the token names no key')
      const jwk = await jwks.getJwk({ domain: booklyUrl, kid, alg })
      return createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    },
    verify: {
      // Bookly's asymmetric algorithms only: never HMAC, so a public key can never pose as a secret.
      algorithms: ['EdDSA', 'ES256'],
      allowedIss: 'bookly',
      allowedAud: 'bookly:access',
      checkTyp: 'at+jwt',
      requiredClaims: ['sub', 'exp', 'user']
    }
  })

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await request.jwtVerify()
    } catch {
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', error_code: 'invalid_token', message: 'Token is invalid or expired' })
    }
  }

  app.get('/whoami', { onRequest: authenticate }, async (request) => {
    const { sub, user } = request.user as AccessClaims
    return { sub, email: user.email, role: user.role }
  })

  return app
}
