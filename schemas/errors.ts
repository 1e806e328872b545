// The one error shape every failing response has.
// Routes refer to it by $ref; the swagger plugin registers it with addSchema.
import { STATUS_CODES } from 'node:http'
import { Type, type Static } from '@sinclair/typebox'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  error_code: Type.String({ description: 'stable snake_case code' }),
  message: Type.String()
}, { $id: 'Error', title: 'Error' })

export type ErrorBody = Static<typeof ErrorSchema>

// The response entry for one error status: the shared shape, described by the status text.
export function errorResponse (status: number) {
  return Type.Ref(ErrorSchema, { description: STATUS_CODES[status] ?? 'Error' })
}

// Response entries for the error statuses a route can answer with.
export function errorResponses (...statuses: number[]): Record<number, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status)]))
}
