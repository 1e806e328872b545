// Signing and verifying each token kind with fast-jwt (the library under @fastify/jwt), one
// signer and verifier per key: the key store's current key signs, and a token is verified only
// with the key its header's `kid` names, among the keys this instance holds. Nothing a header
// points at (jku, x5u, jwk) is fetched or trusted. Each kind has its own audience and `typ`,
// and each verifier pins its key's algorithm, so one kind never passes for the other.
import fp from 'fastify-plugin'
import { createSigner, createVerifier, TokenError } from 'fast-jwt'
import { ISSUER, TOKEN_KINDS, type TokenKind, type TokenPayload } from '../../../schemas/tokens.js'
import type { SigningMaterial, VerificationKey } from '../keys/key-store.js'

export interface TokenCodec {
  sign (payload: TokenPayload, key: SigningMaterial): string
  // Throws unless the token is valid.
  verify<T = TokenPayload> (token: string): T
}

declare module 'fastify' {
  interface FastifyInstance {
    jwt: Record<TokenKind, TokenCodec>
  }
  interface FastifyRequest {
    // The verified claims of the request's token (set by the authenticate guards).
    user: TokenPayload
  }
}

// A header this long is no header of ours; JSON.parse of it is skipped.
const MAX_HEADER_LENGTH = 512

// The header's kid: undefined when there is none; an error when it is not a string.
function kidOf (token: string): string | undefined {
  const end = token.indexOf('.')
  if (end < 0 || end > MAX_HEADER_LENGTH) throw new TokenError(TokenError.codes.malformed, 'The token header is malformed.')
  const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString())
  if (typeof header !== 'object' || header === null) throw new TokenError(TokenError.codes.malformed, 'The token header is malformed.')
  const { kid } = header as { kid?: unknown }
  if (kid === undefined || typeof kid === 'string') return kid
  throw new TokenError(TokenError.codes.invalidKey, 'The kid header must be a string.')
}

type Sign = (payload: TokenPayload) => string
type Verify = (token: string) => unknown

export default fp(async function jwt (fastify) {
  const { keyStore } = fastify

  const codec = (kind: TokenKind): TokenCodec => {
    const { aud, typ } = TOKEN_KINDS[kind]
    // By key object: the key store keeps a key's object while the key lives.
    const signers = new WeakMap<SigningMaterial, Sign>()
    const verifiers = new WeakMap<VerificationKey, Verify>()

    const signerFor = (key: SigningMaterial): Sign => {
      let signer = signers.get(key)
      if (signer === undefined) {
        signer = createSigner({ key: key.key, algorithm: key.alg, kid: key.kid, iss: ISSUER, aud, header: { alg: key.alg, typ } })
        signers.set(key, signer)
      }
      return signer
    }

    const verifierFor = (key: VerificationKey): Verify => {
      let verifier = verifiers.get(key)
      if (verifier === undefined) {
        verifier = createVerifier({
          key: key.key,
          algorithms: [key.alg],
          allowedIss: ISSUER,
          allowedAud: aud,
          checkTyp: typ,
          // Verified tokens are remembered by the authenticate plugin, keyed by the token itself.
          requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp', 'user']
        })
        verifiers.set(key, verifier)
      }
      return verifier
    }

    return {
      sign: (payload, key) => signerFor(key)(payload),
      verify<T> (token: string): T {
        const keys = keyStore.verifying(kidOf(token))
        if (keys === undefined) throw new TokenError(TokenError.codes.invalidKey, 'The token names no key this service holds.')
        // Several keys only for HMAC's former secrets: the next one is tried when the signature did not match.
        for (const [i, key] of keys.entries()) {
          try {
            return verifierFor(key)(token) as T
          } catch (err) {
            if (i === keys.length - 1 || (err as TokenError).code !== TokenError.codes.invalidSignature) throw err
          }
        }
        throw new TokenError(TokenError.codes.invalidKey, 'No key verifies the token.')
      }
    }
  }

  fastify.decorateRequest('user', null as unknown as TokenPayload)
  fastify.decorate('jwt', { access: codec('access'), refresh: codec('refresh') })
}, { name: 'jwt', dependencies: ['key-store'] })
