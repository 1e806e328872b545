// GET|POST /api/v1/auth/logout?scope=local|others|global
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LogoutQuery, MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  // One route per method, so that each has an operationId of its own.
  for (const [method, operationId] of [['GET', 'logoutWithGet'], ['POST', 'logout']] as const) {
    fastify.route({
      method,
      url: '/logout',
      config: { changesState: true },
      onRequest: fastify.authenticate,
      schema: {
        operationId,
        summary: 'End this session (local), every other session (others) or all of them (global)',
        description: 'The ended sessions\' tokens stop working at once, on every instance. GET does the same as POST (the seed tutorial\'s method). scope=others needs a login from the last STEP_UP_MAX_AGE seconds (default 300), else 401 recent_login_required: a stolen token cannot lock its owner out while keeping its own session.',
        tags: ['auth'],
        security: [{ bearerAuth: [] }],
        querystring: LogoutQuery,
        response: { 200: ref(MessageSchema, { description: 'Logged out' }), ...errorResponses(401, 422) }
      },
      handler: async (request) => {
        const { scope } = request.query
        if (scope === 'others') fastify.stepUp.assert(request.user)
        const ended = await fastify.sessionService.logout(request.user, scope)
        // Ending this session is a plain logout; ending others is worth the account's record.
        if (scope !== 'local') await fastify.securityEvents.record(request.user.sub, 'sessions_revoked', requestOrigin(request), { scope, sessions: ended })
        return { message: 'Logged Out Successfully' }
      }
    })
  }
}

export default plugin
