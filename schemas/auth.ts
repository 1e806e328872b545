// Login, token and session bodies.
import { Type, type Static } from '@sinclair/typebox'
import type { Session } from '../db/types.js'
import { CurrentPassword, Email, Password, RoleSchema } from './users.js'

export const LoginBody = Type.Object({
  email: Email,
  password: CurrentPassword
}, { $id: 'LoginBody', additionalProperties: false, examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] })

export type LoginBody = Static<typeof LoginBody>

export const TokenPairSchema = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String()
}, { $id: 'TokenPair', title: 'TokenPair', description: 'A new access token and the refresh token that replaces the one sent' })

export const LoginResponse = Type.Object({
  message: Type.String(),
  access_token: Type.String(),
  refresh_token: Type.String(),
  user: Type.Object({ email: Type.String(), uid: Type.String({ format: 'uuid' }) })
}, { $id: 'LoginResponse', title: 'LoginResponse', description: 'Logged in: a token pair for a new session' })

export const MessageSchema = Type.Object({ message: Type.String() }, { $id: 'Message', title: 'Message', description: 'Done; the message says what was done' })

export const LogoutQuery = Type.Object({
  scope: Type.Union([Type.Literal('local'), Type.Literal('others'), Type.Literal('global')], { default: 'local' })
}, { additionalProperties: false })

export type LogoutQuery = Static<typeof LogoutQuery>

export const SessionSchema = Type.Object({
  sid: Type.String({ format: 'uuid' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean()
}, { $id: 'Session', title: 'Session', description: 'A live login session (one per login, kept by refreshing)' })

export type SessionResponse = Static<typeof SessionSchema>

export type LiveSession = Pick<Session, 'id' | 'created_at' | 'last_used_at' | 'expires_at' | 'user_agent' | 'ip'>

export function toSessionResponse (session: LiveSession, currentSid: string): SessionResponse {
  const { id, created_at: created, last_used_at: lastUsed, expires_at: expires, ...rest } = session
  return {
    sid: id,
    created_at: created.toISOString(),
    last_used_at: lastUsed.toISOString(),
    expires_at: expires.toISOString(),
    ...rest,
    current: id === currentSid
  }
}

export const SessionParams = Type.Object({ sid: Type.String({ format: 'uuid' }) })
export type SessionParams = Static<typeof SessionParams>

export const ChangePasswordBody = Type.Object({
  current_password: CurrentPassword,
  new_password: Password
}, { $id: 'ChangePasswordBody', additionalProperties: false, examples: [{ current_password: 'correct horse battery staple', new_password: 'a new and longer passphrase' }] })

export type ChangePasswordBody = Static<typeof ChangePasswordBody>

// What a reverse proxy's auth request needs from a valid access token.
export const VerifyResponse = Type.Object({
  sub: Type.String({ format: 'uuid' }),
  sid: Type.String({ format: 'uuid' }),
  role: RoleSchema
}, { $id: 'VerifyResponse', title: 'VerifyResponse', description: 'The access token is valid: its subject, session and role' })
