// Shaping and normalising users at the edge of the API.
import type { FastifyRequest } from 'fastify'
import type { User } from '../db/types.js'
import type { UserResponse } from '../schemas/users.js'

// E-mails are stored, looked up and rate-limited trimmed and lower-cased.
export const canonicalEmail = (email: string): string => email.trim().toLowerCase()

// preValidation hook: the body's e-mail in canonical form.
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
