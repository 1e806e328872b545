// Errors' one home: the table of stable error codes (each with its status and default message),
// AppError, and the one constructor for answers that tell the client when to retry.
import { STATUS_CODES } from 'node:http'
import type { ValidationFailure } from '../../../schemas/errors.js'

const errorTable = {
  validation_error: [422, 'Validation failed'],
  weak_password: [422, 'This password is too easy to guess'],
  breached_password: [422, 'This password has appeared in a data breach'],
  bad_request: [400, 'Bad Request'],
  invalid_json: [400, 'Body is not valid JSON'],
  not_found: [404, 'Not Found'],
  method_not_allowed: [405, 'Method Not Allowed'],
  payload_too_large: [413, 'Request body is too large'],
  request_timeout: [408, 'The request did not arrive in time'],
  uri_too_long: [414, 'A path segment is too long'],
  headers_too_large: [431, 'Request headers are too large'],
  unsupported_media_type: [415, 'Unsupported Media Type'],
  user_exists: [403, 'User with email already exists'],
  email_unchanged: [422, 'The new e-mail address is the one the account already has'],
  invalid_email_or_password: [403, 'Invalid Email or Password...'],
  invalid_password: [403, 'Current password is incorrect'],
  not_authenticated: [401, 'Not authenticated'],
  invalid_token: [401, 'Token is invalid or expired'],
  token_revoked: [401, 'Token has been revoked'],
  access_token_required: [401, 'Please provide a valid access token'],
  refresh_token_required: [401, 'Please provide a valid refresh token'],
  refresh_token_reused: [401, 'Refresh token was already used; the session has been ended'],
  session_expired: [401, 'Session has expired; please log in again'],
  recent_login_required: [401, 'This needs a recent login: log in again and retry with the new access token'],
  invalid_mfa_ticket: [401, 'The two-factor ticket is invalid, used or expired: log in again'],
  invalid_mfa_code: [403, 'Invalid two-factor code'],
  two_factor_already_enabled: [409, 'Two-factor login is already on'],
  two_factor_not_pending: [409, 'No two-factor enrolment waits for a code: start one with POST /api/v1/auth/two-factor/enrol'],
  two_factor_not_enabled: [409, 'Two-factor login is not on'],
  invalid_or_expired_token: [400, 'Invalid or expired token'],
  passwords_do_not_match: [400, 'Passwords do not match'],
  email_not_verified: [403, 'Please verify your email address before logging in'],
  insufficient_permissions: [403, 'You do not have enough permissions to perform this action'],
  cannot_modify_self: [403, 'Admins cannot disable, demote or delete their own account'],
  session_not_found: [404, 'Session not found'],
  user_not_found: [404, 'User not found'],
  book_not_found: [404, 'Book not found'],
  rate_limited: [429, 'Too many requests, please try again later'],
  overloaded: [503, 'Server is busy, please retry shortly'],
  service_unavailable: [503, 'Service temporarily unavailable'],
  server_error: [500, 'Internal Server Error']
} as const satisfies Record<string, readonly [number, string]>

export type ErrorCode = keyof typeof errorTable

// Every code a response may carry: the Error schema's enum (schemas/errors.ts).
export const ERROR_CODES = Object.keys(errorTable) as ErrorCode[]

export class AppError extends Error {
  readonly statusCode: number
  readonly errorCode: ErrorCode
  readonly headers: Record<string, string>
  // A 422's errors[] (validation-failures.ts).
  readonly failures?: ValidationFailure[]

  constructor (errorCode: ErrorCode, message?: string, headers: Record<string, string> = {}, failures?: ValidationFailure[]) {
    const [statusCode, defaultMessage] = errorTable[errorCode]
    super(message ?? defaultMessage)
    this.name = 'AppError'
    this.statusCode = statusCode
    this.errorCode = errorCode
    this.headers = headers
    if (failures !== undefined) this.failures = failures
  }
}

// 429 and 503 answers: Retry-After in whole seconds, at least one.
export function retryAfter (errorCode: ErrorCode, seconds: number, message?: string): AppError {
  return new AppError(errorCode, message, { 'retry-after': String(Math.max(1, Math.ceil(seconds))) })
}

export function errorBody (statusCode: number, errorCode: ErrorCode, message: string, failures?: ValidationFailure[]) {
  const body = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', error_code: errorCode, message }
  return failures === undefined ? body : { ...body, errors: failures }
}
