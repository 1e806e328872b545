// Everything under /api/v1/auth may carry tokens or account data: never cache it. And every
// request to it counts against the caller's per-IP auth limit, so each route documents its 429.
import type { FastifyInstance } from 'fastify'
import { addErrorResponses } from '../../../../plugins/app/common-responses.js'

export default async function authHooks (fastify: FastifyInstance) {
  fastify.addHook('onRoute', (route) => addErrorResponses(route, 429))
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store')
  })
  fastify.addHook('onRequest', fastify.rateLimits.authPerIp)
}
