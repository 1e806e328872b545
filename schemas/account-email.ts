// E-mail verification, password reset and e-mail change on the wire: the token in the path, the
// bodies, the answers.
import { Type, type Static } from '@sinclair/typebox'
import { CurrentPassword, Email, Password } from './users.js'

// Any string: a malformed token is answered like an unknown one (400 invalid_or_expired_token);
// only text no request may carry (NUL, a lone surrogate: plugins/app/http/validation.ts) is a 422.
export const TokenParams = Type.Object({ token: Type.String() })
export type TokenParams = Static<typeof TokenParams>

export const EmailBody = Type.Object({
  email: Email
}, { $id: 'EmailBody', additionalProperties: false, examples: [{ email: 'ada@example.com' }] })

export type EmailBody = Static<typeof EmailBody>

export const ResetConfirmBody = Type.Object({
  new_password: Password,
  // Compared with new_password by the handler, so a difference is 400 passwords_do_not_match.
  confirm_new_password: Type.String({ maxLength: 128 })
}, { $id: 'ResetConfirmBody', additionalProperties: false })

export type ResetConfirmBody = Static<typeof ResetConfirmBody>

export const ChangeEmailBody = Type.Object({
  new_email: Email,
  password: CurrentPassword
}, { $id: 'ChangeEmailBody', additionalProperties: false, examples: [{ new_email: 'ada.lovelace@example.org', password: 'correct horse battery staple' }] })

export type ChangeEmailBody = Static<typeof ChangeEmailBody>

// The tutorial's messages, kept word for word.
export const MESSAGES = {
  verified: 'Account verified successfully',
  resent: 'If the account exists and is unverified, a new link is on its way',
  resetRequested: 'Please check your email for instructions to reset your password',
  reset: 'Password reset Successfully',
  // The tutorial has no e-mail change: these are Bookly's own.
  emailChangeRequested: 'Please check the new address for a link that confirms the change',
  emailChanged: 'Email address changed; please log in with the new address'
} as const

// Where the links in the mails point (below PUBLIC_URL): the verify and e-mail change routes, and the reset page.
export const VERIFY_PATH = '/api/v1/auth/verify'
export const EMAIL_CHANGE_PATH = '/api/v1/auth/email-change'
export const RESET_PAGE_PATH = '/reset-password'
