// Every request under /api/v1/auth counts against the caller's per-IP auth limit (each such route
// documents its 429), except routes that opt out with `config: { perIpAuthLimit: false }`.
// (Cache-Control: no-store, which tokens need, is on every response: plugins/external/helmet.ts.)
import type { FastifyInstance } from 'fastify'
import { addErrorResponses } from '../../../../plugins/app/http/common-responses.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    perIpAuthLimit?: boolean
  }
}

export default async function authHooks (fastify: FastifyInstance) {
  fastify.addHook('onRoute', (route) => {
    if (route.config?.perIpAuthLimit === false) return
    addErrorResponses(route, 429)
    // First, before the route's own guards: a limited client gets 429 without any token work.
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat()
    route.onRequest = [fastify.abuseLimits.authPerIp, ...own]
  })
}
