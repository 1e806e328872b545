// The claims of Bookly's JWTs: the seed tutorial's `user`, `jti` and `refresh`, plus the
// registered claims. Each token kind has its own audience and `typ` header.
import { Type, type Static } from '@sinclair/typebox'
import { RoleSchema } from './users.js'

export const ISSUER = 'bookly'

export const TOKEN_KINDS = {
  access: { aud: 'bookly:access', typ: 'at+jwt' },
  refresh: { aud: 'bookly:refresh', typ: 'rt+jwt' }
} as const

export type TokenKind = keyof typeof TOKEN_KINDS

export const TokenClaims = Type.Object({
  user: Type.Object({ email: Type.String(), user_uid: Type.String(), role: RoleSchema }),
  sub: Type.String(),
  sid: Type.String(),
  jti: Type.String(),
  refresh: Type.Boolean(),
  iat: Type.Integer(),
  exp: Type.Integer(),
  iss: Type.Optional(Type.String()),
  aud: Type.Optional(Type.String())
})

export type TokenPayload = Static<typeof TokenClaims>
