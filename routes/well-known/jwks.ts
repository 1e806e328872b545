// GET /.well-known/jwks.json: the public keys that may have signed a live token, and the next one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { JwkSet } from '../../schemas/keys.js'
import { ref } from '../../schemas/ref.js'

// The folder cannot be named `.well-known`: TypeScript's include globs skip dot-folders, so the
// route would be missing from dist/. The prefix replaces the folder's name instead.
export const autoPrefix = '/.well-known'

// Caches may hold the set for a third of the publish delay (at most 5 minutes): a rotated-in key
// is in every cached copy before it signs, and a revoked one leaves them soon.
export const jwksMaxAge = (publishDelay: number): number => Math.min(300, Math.floor(publishDelay / 3))

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const cacheControl = `public, max-age=${jwksMaxAge(fastify.config.KEY_PUBLISH_DELAY)}`
  fastify.get('/jwks.json', {
    schema: {
      operationId: 'getJwks',
      summary: 'The public signing keys (JWKS) other services verify Bookly\'s access tokens with; empty under HMAC',
      description: 'Cacheable (Cache-Control: public, max-age); a key is published before it signs.',
      tags: ['keys'],
      security: [],
      response: { 200: ref(JwkSet) }
    }
  }, async (_request, reply) => {
    // The one response meant to be cached: helmet's no-store is for per-caller answers.
    reply.header('cache-control', cacheControl)
    return { keys: fastify.keyStore.published() }
  })
}

export default plugin
