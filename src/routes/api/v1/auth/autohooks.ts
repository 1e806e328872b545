// Everything under /api/v1/auth may carry tokens or account data: never cache it.
import type { FastifyInstance } from 'fastify'

export default async function authHooks (fastify: FastifyInstance) {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('cache-control', 'no-store')
    done()
  })
}
