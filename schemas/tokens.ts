// The claims of Bookly's JWTs: the seed tutorial's `user`, `jti` and `refresh`, plus the
// registered claims. Each token kind has its own audience and `typ` header.
import { Type, type Static } from '@sinclair/typebox'
import { AMR_VALUES } from '../db/types.js'
import { Email, RoleSchema } from './users.js'

export const ISSUER = 'bookly'

export const TOKEN_KINDS = {
  access: { aud: 'bookly:access', typ: 'at+jwt' },
  refresh: { aud: 'bookly:refresh', typ: 'rt+jwt' }
} as const

export type TokenKind = keyof typeof TOKEN_KINDS

// Only the form Bookly mints (lower-case, hyphenated): sessions and revocations are found by the
// claim's text, so another spelling of the same UUID would never be found revoked.
const ClaimUuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' })
const NumericDate = Type.Integer({ minimum: 0 })

// What the signer is given (it adds iss and aud itself).
export const TokenClaims = Type.Object({
  user: Type.Object({ email: Email, user_uid: ClaimUuid, role: RoleSchema }),
  sub: ClaimUuid,
  sid: ClaimUuid,
  jti: ClaimUuid,
  refresh: Type.Boolean(),
  iat: NumericDate,
  exp: NumericDate,
  iss: Type.Optional(Type.String()),
  aud: Type.Optional(Type.String()),
  // Access tokens only: when the session's login was made and how (step-up reads them). Optional,
  // so a token minted before they existed still verifies; it just never counts as a recent login.
  auth_time: Type.Optional(NumericDate),
  amr: Type.Optional(Type.Array(Type.Union(AMR_VALUES.map((value) => Type.Literal(value))), { minItems: 1, maxItems: AMR_VALUES.length, uniqueItems: true }))
})

export type TokenPayload = Static<typeof TokenClaims>

// What a verified token of this kind must carry, checked after its signature.
export const verifiedClaims = (kind: TokenKind) => Type.Object({
  ...TokenClaims.properties,
  refresh: Type.Literal(kind === 'refresh'),
  iss: Type.Literal(ISSUER),
  aud: Type.Literal(TOKEN_KINDS[kind].aud)
})
