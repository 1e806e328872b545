// The one error shape every failing response has.
// Routes refer to it by $ref; the swagger plugin registers it with addSchema.
import { STATUS_CODES } from 'node:http'
import { Type, type Static } from '@sinclair/typebox'
import { ERROR_CODES, type ErrorCode } from '../plugins/app/http/errors.js'
import { ref } from './ref.js'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  error_code: Type.Unsafe<ErrorCode>({ type: 'string', enum: ERROR_CODES, description: 'stable snake_case code' }),
  message: Type.String()
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
