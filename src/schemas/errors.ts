// The one error shape every failing response has.
import { Type, type Static } from '@sinclair/typebox'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  error_code: Type.String({ description: 'stable snake_case code' }),
  message: Type.String()
}, { $id: 'Error', title: 'Error' })

export type ErrorBody = Static<typeof ErrorSchema>

// Response entries for the error statuses a route can answer with.
export function errorResponses (...statuses: number[]): Record<number, typeof ErrorSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorSchema]))
}
