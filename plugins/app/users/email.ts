// E-mails are stored and looked up trimmed and lower-cased; the unique index is on lower(email).
import type { FastifyRequest } from 'fastify'

export function canonicalEmail (email: string): string {
  return email.trim().toLowerCase()
}

// preValidation hook for bodies with an e-mail: the schema then checks the canonical form.
export async function normaliseEmail (request: FastifyRequest): Promise<void> {
  const body = request.body as { email?: unknown } | null
  if (typeof body?.email === 'string') body.email = canonicalEmail(body.email)
}
