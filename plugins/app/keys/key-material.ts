// New key pairs for asymmetric signing, their public JWKs and key ids (RFC 7638 thumbprints).
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { KeyPairAlgorithm } from '../../../config/schema.js'
import type { PublicJwk } from '../../../db/types.js'

export interface KeyPair {
  kid: string
  alg: KeyPairAlgorithm
  publicJwk: PublicJwk
  // PKCS#8 PEM.
  privateKey: string
}

function newKeyObjects (alg: KeyPairAlgorithm): { publicKey: KeyObject, privateKey: KeyObject } {
  return alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
}

// Only the members RFC 7638 hashes, so a key's id is its public key's fingerprint and nothing else.
export function publicJwkOf (publicKey: KeyObject): PublicJwk {
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' })
  if ((kty !== 'OKP' && kty !== 'EC') || crv === undefined || x === undefined) throw new Error(`unexpected public key type ${kty ?? ''}`)
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y }
}

// RFC 7638: SHA-256 of the required members in lexicographic order, without spaces.
export function thumbprint ({ kty, crv, x, y }: PublicJwk): string {
  const members = y === undefined ? { crv, kty, x } : { crv, kty, x, y }
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url')
}

export function newKeyPair (alg: KeyPairAlgorithm): KeyPair {
  const { publicKey, privateKey } = newKeyObjects(alg)
  const publicJwk = publicJwkOf(publicKey)
  return {
    kid: thumbprint(publicJwk),
    alg,
    publicJwk,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}

// The SPKI PEM that fast-jwt verifies with.
export function publicKeyPem (jwk: PublicJwk): string {
  return createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
}
