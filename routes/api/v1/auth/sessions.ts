// GET /api/v1/auth/sessions, DELETE /api/v1/auth/sessions/{sid}
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { SessionParams, SessionSchema, toSessionResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { sessionsRepository, sessionService } = fastify

  fastify.get('/sessions', {
    onRequest: fastify.authenticate,
    schema: {
      summary: "The caller's live sessions",
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Array(SessionSchema), ...errorResponses(401) }
    }
  }, async (request) => {
    const sessions = await sessionsRepository.listLive(request.user.sub)
    return sessions.map((session) => toSessionResponse(session, request.user.sid))
  })

  fastify.delete('/sessions/:sid', {
    onRequest: fastify.authenticate,
    schema: {
      summary: 'End one of your sessions',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      params: SessionParams,
      response: { 204: Type.Null(), ...errorResponses(401, 404, 422) }
    }
  }, async (request, reply) => {
    // Scoped to the caller: someone else's sid is indistinguishable from a missing one.
    if (!await sessionService.endSession(request.user.sub, request.params.sid)) throw new AppError('session_not_found')
    return reply.code(204).send(null)
  })
}

export default plugin
