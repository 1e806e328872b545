// GET /api/v1/auth/sessions, DELETE /api/v1/auth/sessions/{sid}
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { SessionParams, SessionSchema, toSessionResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { sessionsRepository, sessionService } = fastify

  fastify.get('/sessions', {
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'listSessions',
      summary: "The caller's live sessions",
      description: 'One per login that has not ended or expired; `current` marks the one this token belongs to.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Array(ref(SessionSchema), { description: 'Your live sessions' }), ...errorResponses(401) }
    }
  }, async (request) => {
    const sessions = await sessionsRepository.listLive(request.user.sub)
    return sessions.map((session) => toSessionResponse(session, request.user.sid))
  })

  fastify.delete('/sessions/:sid', {
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'deleteSession',
      summary: 'End one of your sessions',
      description: 'Its tokens stop working at once. A session that is not yours is 404 session_not_found, like a missing one. Ending a session other than the current one needs a login from the last STEP_UP_MAX_AGE seconds (default 300), else 401 recent_login_required.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      params: SessionParams,
      response: { 204: Type.Null({ description: 'Session ended' }), ...errorResponses(401, 404, 422) }
    }
  }, async (request, reply) => {
    // Scoped to the caller: someone else's sid is indistinguishable from a missing one.
    const { sid } = request.params
    if (sid !== request.user.sid) fastify.stepUp.assert(request.user)
    if (!await sessionService.endSession(request.user.sub, sid)) throw new AppError('session_not_found')
    await fastify.securityEvents.record(request.user.sub, 'sessions_revoked', requestOrigin(request), { scope: sid === request.user.sid ? 'current' : 'one', sessions: 1 })
    return reply.code(204).send(null)
  })
}

export default plugin
