// Signing and verifying each token kind with fast-jwt (the library under @fastify/jwt), one
// signer and verifier per key: the key store's current key signs, and a token is verified only
// with the key its header's `kid` names, among the keys this instance holds. Nothing a header
// points at (jku, x5u, jwk) is fetched or trusted. Each kind has its own audience and `typ`,
// and each verifier pins its key's algorithm, so one kind never passes for the other. After the
// signature, the claims are checked against their schema: a token our key signed with claims we
// never mint (a numeric sid, another audience, a refresh claim on an access token) is refused too.
import fp from 'fastify-plugin'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import { createSigner, createVerifier, TokenError } from 'fast-jwt'
import { ISSUER, TOKEN_KINDS, verifiedClaims, type TokenKind, type TokenPayload } from '../../../schemas/tokens.js'
import type { SigningMaterial, VerificationKey } from '../keys/key-store.js'

export interface TokenCodec {
  sign (payload: TokenPayload, key: SigningMaterial): string
  // Throws unless the token is valid.
  verify (token: string): TokenPayload
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

// How far ahead of this instance's clock another instance's may be when it issues a token.
export const IAT_SKEW_SECONDS = 60

// Strict: a claim is taken as signed, never coerced.
const ajv = new Ajv({ coerceTypes: false })
formats.default(ajv)

function claimsChecker (kind: TokenKind) {
  const valid = ajv.compile<TokenPayload>(verifiedClaims(kind))
  return (payload: unknown): TokenPayload => {
    if (!valid(payload)) throw new TokenError(TokenError.codes.invalidPayload, 'The token\'s claims do not match their schema.')
    if (payload.iat > Date.now() / 1000 + IAT_SKEW_SECONDS) throw new TokenError(TokenError.codes.inactive, 'The token is issued in the future.')
    if (payload.user.user_uid !== payload.sub) throw new TokenError(TokenError.codes.invalidClaimValue, 'The token\'s user is not its subject.')
    return payload
  }
}

export default fp(async function jwt (fastify) {
  const { keyStore } = fastify

  const codec = (kind: TokenKind): TokenCodec => {
    const { aud, typ } = TOKEN_KINDS[kind]
    // By key object: the key store keeps a key's object while the key lives.
    const signers = new WeakMap<SigningMaterial, Sign>()
    const verifiers = new WeakMap<VerificationKey, Verify>()
    const checkClaims = claimsChecker(kind)

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
          // Which claims must be there, and how, is the claims schema's to say (checkClaims).
          // Verified tokens are remembered by the authenticate plugin, keyed by the token itself.
          checkTyp: typ
        })
        verifiers.set(key, verifier)
      }
      return verifier
    }

    return {
      sign: (payload, key) => signerFor(key)(payload),
      verify (token: string): TokenPayload {
        const keys = keyStore.verifying(kidOf(token))
        if (keys === undefined) throw new TokenError(TokenError.codes.invalidKey, 'The token names no key this service holds.')
        // Several keys only for HMAC's former secrets: the next one is tried when the signature did not match.
        for (const [i, key] of keys.entries()) {
          try {
            return checkClaims(verifierFor(key)(token))
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
