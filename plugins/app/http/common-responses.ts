// Statuses any route can answer with, whatever its handler does, added to every documented route:
// 500 (a bug) and 503 (load shedding, hashing queue full, database down).
import fp from 'fastify-plugin'
import type { RouteOptions } from 'fastify'
import { errorResponse } from '../../../schemas/errors.js'

export function addErrorResponses (route: RouteOptions, ...statuses: number[]): void {
  const response = route.schema?.response as Record<string, unknown> | undefined
  if (response === undefined) return
  for (const status of statuses) response[status] ??= errorResponse(status)
}

export default fp(async function commonResponses (fastify) {
  fastify.addHook('onRoute', (route) => addErrorResponses(route, 500, 503))
}, { name: 'common-responses' })
