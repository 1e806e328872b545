// Statuses any route can answer with, whatever its handler does, added to every documented route:
// 500 (a bug) and 503 (load shedding, hashing queue full, database down); on the methods whose
// request body Fastify parses, 400 (malformed JSON), 413 (too large) and 415 (not JSON); and on the
// routes that take a token, 400 (the guards refuse several Authorization headers).
import fp from 'fastify-plugin'
import type { RouteOptions } from 'fastify'
import { errorResponse } from '../../../schemas/errors.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

export function addErrorResponses (route: RouteOptions, ...statuses: number[]): void {
  const response = route.schema?.response as Record<string, unknown> | undefined
  if (response === undefined) return
  for (const status of statuses) response[status] ??= errorResponse(status)
}

export default fp(async function commonResponses (fastify) {
  fastify.addHook('onRoute', (route) => {
    addErrorResponses(route, 500, 503)
    if ([route.method].flat().some((method) => BODY_METHODS.has(method))) addErrorResponses(route, 400, 413, 415)
    if ((route.schema?.security?.length ?? 0) > 0) addErrorResponses(route, 400)
  })
}, { name: 'common-responses' })
