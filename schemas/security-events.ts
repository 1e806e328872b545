// A security event as its account's owner and admins read it.
import { Type, type Static } from '@sinclair/typebox'
import { SECURITY_EVENT_TYPES, type SecurityEvent } from '../db/types.js'

export const SecurityEventSchema = Type.Object({
  id: Type.String({ pattern: '^[0-9]+$', description: 'Unique; events list by created_at, then id' }),
  type: Type.Union(SECURITY_EVENT_TYPES.map((type) => Type.Literal(type))),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])), Type.Null()]),
  created_at: Type.String({ format: 'date-time' })
}, { $id: 'SecurityEvent', title: 'SecurityEvent', description: 'Something that happened to an account\'s security: a login, a new device, a password or two-factor change, ended sessions, a role change' })

export type SecurityEventResponse = Static<typeof SecurityEventSchema>

export function toSecurityEventResponse (event: SecurityEvent): SecurityEventResponse {
  const { user_uid: _owner, created_at: createdAt, ...rest } = event
  return { ...rest, created_at: createdAt.toISOString() }
}
