// GET|POST /api/v1/auth/logout?scope=local|others|global
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LogoutQuery, MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.route({
    method: ['GET', 'POST'],
    url: '/logout',
    config: { changesState: true },
    onRequest: fastify.authenticate,
    schema: {
      summary: 'End this session (local), every other session (others) or all of them (global)',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      querystring: LogoutQuery,
      response: { 200: MessageSchema, ...errorResponses(401, 422) }
    },
    handler: async (request) => {
      await fastify.sessionService.logout(request.user, request.query.scope)
      return { message: 'Logged Out Successfully' }
    }
  })
}

export default plugin
