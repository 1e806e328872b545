// The one error shape every failing response has.
// Routes refer to it by $ref; the swagger plugin registers it with addSchema.
import { STATUS_CODES } from 'node:http'
import { Type, type Static } from '@sinclair/typebox'
import { ERROR_CODES, type ErrorCode } from '../plugins/app/http/errors.js'
import { ref } from './ref.js'

// A 422 lists at most this many failures: enough for any of our bodies, and a body of thousands
// of unknown fields still gets a short answer.
export const MAX_VALIDATION_ERRORS = 20

export const ValidationFailureSchema = Type.Object({
  path: Type.String({ description: 'JSON pointer into the request, starting with its part: /body/email, /querystring/limit, /params/book_uid', examples: ['/body/email'] }),
  message: Type.String({ examples: ['must match format "email"'] })
}, { title: 'ValidationFailure' })

export type ValidationFailure = Static<typeof ValidationFailureSchema>

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  error_code: Type.Unsafe<ErrorCode>({ type: 'string', enum: ERROR_CODES, description: 'stable snake_case code' }),
  message: Type.String(),
  errors: Type.Optional(Type.Array(ValidationFailureSchema, {
    maxItems: MAX_VALIDATION_ERRORS,
    description: `422 only: every failure, of params, then body, then querystring, then headers; at most ${MAX_VALIDATION_ERRORS}`
  }))
}, { $id: 'Error', title: 'Error' })

export type ErrorBody = Static<typeof ErrorSchema>

// 429 and 503 answers say when to come back (plugins/app/http/errors.ts, retryAfter).
const RETRY_AFTER = {
  'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before retrying, when the server can tell' }
}

// The response entry for one error status: the shared shape, described by the status text.
export function errorResponse (status: number) {
  const headers = status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}
  return ref(ErrorSchema, { description: STATUS_CODES[status] ?? 'Error', ...headers })
}

// Response entries for the error statuses a route can answer with.
export function errorResponses (...statuses: number[]): Record<number, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status)]))
}
