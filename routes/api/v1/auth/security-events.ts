// GET /api/v1/auth/security-events: the caller's own account's events, newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { PaginationQuery } from '../../../../schemas/pagination.js'
import { SecurityEventSchema, toSecurityEventResponse } from '../../../../schemas/security-events.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/security-events', {
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'listSecurityEvents',
      summary: "Your account's security events, newest first",
      description: 'Logins, failed logins, new devices, password and two-factor changes, ended sessions and role changes, kept for SECURITY_EVENT_RETENTION.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      querystring: PaginationQuery,
      response: { 200: Type.Array(ref(SecurityEventSchema), { description: 'A page of events' }), ...errorResponses(401, 422) }
    }
  }, async (request) => (await fastify.securityEventsRepository.list(request.user.sub, request.query)).map(toSecurityEventResponse))
}

export default plugin
