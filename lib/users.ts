// Shaping and normalising users at the edge of the API.
import type { FastifyRequest } from 'fastify'
import type { User } from '../db/types.js'
import type { AdminUserResponse, UserResponse } from '../schemas/users.js'

// E-mails are stored and looked up trimmed and lower-cased.
export function canonicalEmail (email: string): string {
  return email.trim().toLowerCase()
}

// preValidation hook for bodies with an e-mail.
export async function normaliseEmail (request: FastifyRequest): Promise<void> {
  const body = request.body as { email?: unknown } | null
  if (typeof body?.email === 'string') body.email = canonicalEmail(body.email)
}

export function toUserResponse (user: User): UserResponse {
  return {
    uid: user.uid,
    username: user.username,
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    role: user.role,
    is_verified: user.is_verified,
    created_at: user.created_at.toISOString(),
    // The seed tutorial's wire name.
    update_at: user.updated_at.toISOString()
  }
}

export function toAdminUserResponse (user: User): AdminUserResponse {
  return { ...toUserResponse(user), disabled_at: user.disabled_at?.toISOString() ?? null }
}
