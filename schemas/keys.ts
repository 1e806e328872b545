// The published key set (RFC 7517 JWK Set) of GET /.well-known/jwks.json.
import { Type, type Static } from '@sinclair/typebox'
import { ref } from './ref.js'

export const Jwk = Type.Object({
  kty: Type.Union([Type.Literal('OKP'), Type.Literal('EC')]),
  crv: Type.String({ description: 'Ed25519 (EdDSA) or P-256 (ES256)' }),
  x: Type.String(),
  y: Type.Optional(Type.String({ description: 'EC keys only' })),
  kid: Type.String({ description: 'the key id tokens name in their header (RFC 7638 thumbprint)' }),
  alg: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')]),
  use: Type.Literal('sig')
}, { $id: 'Jwk', title: 'Jwk' })
export type Jwk = Static<typeof Jwk>

export const JwkSet = Type.Object({ keys: Type.Array(ref(Jwk)) }, { $id: 'JwkSet', title: 'JwkSet', description: 'The public keys that may verify a live token, and the next one' })
export type JwkSet = Static<typeof JwkSet>
