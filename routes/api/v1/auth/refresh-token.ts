// GET /api/v1/auth/refresh_token
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TokenPairSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/refresh_token', {
    config: { changesState: true },
    onRequest: fastify.authenticateRefresh,
    schema: {
      summary: 'Exchange a refresh token for a new token pair (the old refresh token is rotated out)',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: TokenPairSchema, ...errorResponses(401) }
    }
  }, async (request) => fastify.sessionService.refresh(request.user))
}

export default plugin
