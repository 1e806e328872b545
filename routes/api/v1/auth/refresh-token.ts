// GET /api/v1/auth/refresh_token
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TokenPairSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/refresh_token', {
    config: { changesState: true },
    onRequest: fastify.authenticateRefresh,
    schema: {
      operationId: 'refreshToken',
      summary: 'Exchange a refresh token for a new token pair (the old refresh token is rotated out)',
      description: 'Takes the refresh token, not the access token (that is 401 refresh_token_required). Sending the same refresh token again within a few seconds returns the same pair; later, it is 401 refresh_token_reused and the session ends.',
      tags: ['auth'],
      security: [{ refreshToken: [] }],
      response: { 200: ref(TokenPairSchema), ...errorResponses(401) }
    }
  }, async (request) => fastify.sessionService.refresh(request.user))
}

export default plugin
