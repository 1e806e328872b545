// Two-factor login on the wire: enrolment, the status, the bodies that carry a second factor, the
// recovery codes, and the challenge a right password gets when two-factor is on.
import type { FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { AppError } from '../plugins/app/http/errors.js'
import { RECOVERY_CODE_COUNT, RECOVERY_CODE_PATTERN } from '../plugins/app/two-factor/recovery-codes.js'
import { CODE_PATTERN } from '../plugins/app/two-factor/totp.js'
import { CurrentPassword } from './users.js'

const Code = Type.String({ pattern: CODE_PATTERN, description: 'The 6 digits the authenticator app shows now' })
const RecoveryCode = Type.String({ pattern: RECOVERY_CODE_PATTERN, description: 'One of the recovery codes, e.g. abcd-efgh-2345-wxyz (any case, hyphens or spaces optional); each works once' })
// Any string of its length class: a malformed ticket is answered like an expired one.
const Ticket = Type.String({ minLength: 1, maxLength: 100, description: 'The mfa_ticket of the login\'s 202 answer' })

export const TwoFactorStatusSchema = Type.Object({
  enabled: Type.Boolean(),
  enabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  pending: Type.Boolean({ description: 'An enrolment waits for its first code' }),
  recovery_codes_left: Type.Integer({ minimum: 0 })
}, { $id: 'TwoFactorStatus', title: 'TwoFactorStatus', description: 'Whether two-factor login is on for your account' })

export const EnrolmentSchema = Type.Object({
  secret: Type.String({ description: 'The TOTP secret in base32, to type into an app by hand; never shown again' }),
  otpauth_uri: Type.String({ description: 'otpauth://totp/... as authenticator apps take it' }),
  qr_code: Type.String({ description: 'The otpauth URI as a QR code: a data:image/png;base64 URL' })
}, { $id: 'Enrolment', title: 'Enrolment', description: 'A new TOTP secret; two-factor is on once a first code confirms it' })

export const CodeBody = Type.Object({
  code: Code
}, { $id: 'CodeBody', additionalProperties: false, examples: [{ code: '123456' }] })

export type CodeBody = Static<typeof CodeBody>

export const RecoveryCodesSchema = Type.Object({
  message: Type.String(),
  recovery_codes: Type.Array(Type.String(), {
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    description: 'Shown only now: each logs in once in place of a code. Keep them somewhere safe'
  })
}, { $id: 'RecoveryCodes', title: 'RecoveryCodes', description: 'A new set of recovery codes; any earlier set stops working' })

// code or recovery_code, exactly one (exactlyOneFactor checks it).
const factorFields = {
  code: Type.Optional(Code),
  recovery_code: Type.Optional(RecoveryCode)
}

export const DisableTwoFactorBody = Type.Object({
  password: CurrentPassword,
  ...factorFields
}, { $id: 'DisableTwoFactorBody', additionalProperties: false, description: 'The password, and a code or a recovery code (exactly one)', examples: [{ password: 'correct horse battery staple', code: '123456' }] })

export type DisableTwoFactorBody = Static<typeof DisableTwoFactorBody>

export const LoginTwoFactorBody = Type.Object({
  mfa_ticket: Ticket,
  ...factorFields
}, { $id: 'LoginTwoFactorBody', additionalProperties: false, description: 'The login\'s ticket, and a code or a recovery code (exactly one)', examples: [{ mfa_ticket: 'q1Xo3m0Rk8sVb2yTz7Hc9LwD4nF6gJ5pA0eU1iK3rOs', code: '123456' }] })

export type LoginTwoFactorBody = Static<typeof LoginTwoFactorBody>

export const MfaChallengeSchema = Type.Object({
  message: Type.String(),
  mfa_required: Type.Literal(true),
  mfa_ticket: Type.String({ description: 'Send it to POST /api/v1/auth/login/two-factor with a code; it works once' }),
  expires_in: Type.Integer({ description: 'Seconds the ticket lives (MFA_TICKET_TTL)' }),
  methods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('recovery_code')]))
}, { $id: 'MfaChallenge', title: 'MfaChallenge', description: 'The password was right and two-factor login is on: no tokens yet, a ticket for the second step' })

export type MfaChallenge = Static<typeof MfaChallengeSchema>

// preHandler of the bodies with factorFields: a 422 that names both fields unless exactly one came.
export async function exactlyOneFactor (request: FastifyRequest): Promise<void> {
  const body = request.body as { code?: string, recovery_code?: string }
  if ((body.code === undefined) !== (body.recovery_code === undefined)) return
  const message = 'send either code or recovery_code, not both and not neither'
  throw new AppError('validation_error', `body must have ${message}`, {}, [
    { path: '/body/code', message },
    { path: '/body/recovery_code', message }
  ])
}
