// GET /api/v1/auth/verify: the claims of a valid access token, for reverse proxies' auth requests.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { VerifyResponse } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/verify', {
    // A reverse proxy asks this for every request it passes on, all from its one IP; a valid
    // token is the credential here, and checking one costs no password work.
    config: { perIpAuthLimit: false },
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'verifyAccessToken',
      summary: 'Check an access token and return its subject, session and role (no database access)',
      description: 'For reverse proxies\' auth requests; not counted by the per-IP auth limit.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: ref(VerifyResponse), ...errorResponses(401) }
    }
  }, async (request) => {
    const { sub, sid, user } = request.user
    return { sub, sid, role: user.role }
  })
}

export default plugin
