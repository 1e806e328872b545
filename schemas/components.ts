// The named schemas: each is registered once (plugins/external/swagger.ts), so routes refer to it by
// $ref (schemas/ref.ts) and the OpenAPI document lists it under components.schemas by its $id.
import { ChangeEmailBody, EmailBody, ResetConfirmBody } from './account-email.js'
import { ChangePasswordBody, LoginBody, LoginResponse, MessageSchema, SessionSchema, TokenPairSchema, VerifyResponse } from './auth.js'
import { BookCreateBody, BookSchema, BookUpdateBody } from './books.js'
import { ErrorSchema } from './errors.js'
import { HealthOk } from './health.js'
import { Jwk, JwkSet } from './keys.js'
import { SecurityEventSchema } from './security-events.js'
import { CodeBody, DisableTwoFactorBody, EnrolmentSchema, LoginTwoFactorBody, MfaChallengeSchema, RecoveryCodesSchema, TwoFactorStatusSchema } from './two-factor.js'
import { AdminUserSchema, AdminUserUpdateBody, MeSchema, SignupBody, UserSchema } from './users.js'

export const COMPONENT_SCHEMAS = [
  ErrorSchema, MessageSchema, HealthOk,
  SignupBody, UserSchema, MeSchema, AdminUserSchema, AdminUserUpdateBody,
  LoginBody, LoginResponse, TokenPairSchema, SessionSchema, ChangePasswordBody, VerifyResponse,
  EmailBody, ResetConfirmBody, ChangeEmailBody,
  BookSchema, BookCreateBody, BookUpdateBody,
  Jwk, JwkSet,
  SecurityEventSchema,
  MfaChallengeSchema, LoginTwoFactorBody, TwoFactorStatusSchema, EnrolmentSchema, CodeBody, DisableTwoFactorBody, RecoveryCodesSchema
]
