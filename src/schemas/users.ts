// Users on the wire: the signup body and the public user (never the hash).
import { Type, type Static } from '@sinclair/typebox'

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 40 })
// Counted in characters (code points); verified exactly as sent, never trimmed.
export const Password = Type.String({ minLength: 8, maxLength: 128 })

export const SignupBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 50 }),
  first_name: Type.String({ maxLength: 25 }),
  last_name: Type.String({ maxLength: 25 }),
  email: Email,
  password: Password
}, {
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
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  is_verified: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  update_at: Type.String({ format: 'date-time' })
}, { title: 'User' })

export type UserResponse = Static<typeof UserSchema>
