// @fastify/jwt registered twice, once per token kind: each kind has its own audience and
// `typ` header, and each verifier pins the algorithm, so one kind never passes for the other.
import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import { ISSUER, TOKEN_KINDS } from '../../schemas/tokens.js'

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
