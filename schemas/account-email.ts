// E-mail verification and password reset on the wire: the token in the path, the bodies, the answers.
import { Type, type Static } from '@sinclair/typebox'
import { Email, Password } from './users.js'

// Any string: a malformed token is answered like an unknown one (400 invalid_or_expired_token);
// only text no request may carry (NUL, a lone surrogate: plugins/app/http/validation.ts) is a 422.
export const TokenParams = Type.Object({ token: Type.String() })
export type TokenParams = Static<typeof TokenParams>

export const EmailBody = Type.Object({
  email: Email
}, { additionalProperties: false, examples: [{ email: 'ada@example.com' }] })

export type EmailBody = Static<typeof EmailBody>

export const ResetConfirmBody = Type.Object({
  new_password: Password,
  // Compared with new_password by the handler, so a difference is 400 passwords_do_not_match.
  confirm_new_password: Type.String({ maxLength: 128 })
}, { additionalProperties: false })

export type ResetConfirmBody = Static<typeof ResetConfirmBody>

// The tutorial's messages, kept word for word.
export const MESSAGES = {
  verified: 'Account verified successfully',
  resent: 'If the account exists and is unverified, a new link is on its way',
  resetRequested: 'Please check your email for instructions to reset your password',
  reset: 'Password reset Successfully'
} as const

// Where the links in the mails point (below PUBLIC_URL): the verify route and the reset page.
export const VERIFY_PATH = '/api/v1/auth/verify'
export const RESET_PAGE_PATH = '/reset-password'
