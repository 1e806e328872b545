// Users on the wire: the signup body, the public user (never the hash), the caller with their
// books, and the admin's view and changes of accounts.
import type { FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { ROLES, type User } from '../db/types.js'
import { BookSchema } from './books.js'
import { ref } from './ref.js'

// E-mails are stored and compared trimmed and lower-cased (the unique index is on lower(email)).
export function canonicalEmail (email: string): string {
  return email.trim().toLowerCase()
}

// preValidation hook for bodies with an e-mail in `field`, so that Email checks the canonical form.
export const normaliseEmailIn = (field: string) => async (request: FastifyRequest): Promise<void> => {
  const body = request.body as Record<string, unknown> | null | undefined
  const email = body?.[field]
  if (body && typeof email === 'string') body[field] = canonicalEmail(email)
}

export const normaliseEmail = normaliseEmailIn('email')

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 40 })
// Counted in characters (code points); verified exactly as sent, never trimmed.
export const Password = Type.String({ minLength: 8, maxLength: 128 })
// A password to check against the stored one: any length up to the signup maximum, so a wrong one
// is a 403, not a validation error.
export const CurrentPassword = Type.String({ minLength: 1, maxLength: 128 })

// The 422s of the password policy (plugins/app/passwords/password-policy.ts), for the descriptions
// of the routes that set a password.
export const passwordPolicyRefusals = (field: string) =>
  `A ${field} that is too easy to guess (by zxcvbn's estimate, with the account's e-mail and names ` +
  'counting against it) is 422 weak_password; one known from data breaches, when the server checks ' +
  `for them, is 422 breached_password. Both say why and how to choose better, and name /body/${field} in errors[].`

export const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)))

export const SignupBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 50 }),
  first_name: Type.String({ maxLength: 25 }),
  last_name: Type.String({ maxLength: 25 }),
  email: Email,
  password: Password
}, {
  $id: 'SignupBody',
  additionalProperties: false,
  // Shown in the docs' "Try it out"; a test sends it to the route.
  examples: [{ username: 'ada', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', password: 'correct horse battery staple' }]
})

export type SignupBody = Static<typeof SignupBody>

export const UserSchema = Type.Object({
  uid: Type.String({ format: 'uuid' }),
  username: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  is_verified: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  update_at: Type.String({ format: 'date-time' })
}, { $id: 'User', title: 'User', description: 'An account as its owner sees it (never the password hash)' })

export type UserResponse = Static<typeof UserSchema>

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

// GET /auth/me: the user with their books, as the tutorial's `me` answers.
export const MeSchema = Type.Object({
  ...UserSchema.properties,
  books: Type.Array(ref(BookSchema), { description: 'all of theirs, newest first' })
}, { $id: 'Me', title: 'Me', description: 'The signed-in user, with their books' })

export type MeResponse = Static<typeof MeSchema>

// What an admin sees of an account: the user, and whether it is disabled.
export const AdminUserSchema = Type.Object({
  ...UserSchema.properties,
  disabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
}, { $id: 'AdminUser', title: 'AdminUser', description: 'An account as an admin sees it' })

export type AdminUserResponse = Static<typeof AdminUserSchema>

export function toAdminUserResponse (user: User): AdminUserResponse {
  return { ...toUserResponse(user), disabled_at: user.disabled_at?.toISOString() ?? null }
}

export const AdminUserParams = Type.Object({ uid: Type.String({ format: 'uuid' }) })
export type AdminUserParams = Static<typeof AdminUserParams>

export const AdminUserUpdateBody = Type.Object({
  role: Type.Optional(RoleSchema),
  disabled: Type.Optional(Type.Boolean())
}, { $id: 'AdminUserUpdateBody', additionalProperties: false, minProperties: 1, description: 'A new role, or disabled: true / false; at least one of the two' })

export type AdminUserUpdateBody = Static<typeof AdminUserUpdateBody>
