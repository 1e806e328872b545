// GET /api/v1/auth/two-factor: whether two-factor login is on for the caller's account.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TwoFactorStatusSchema } from '../../../../schemas/two-factor.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/two-factor', {
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'getTwoFactor',
      summary: 'Whether two-factor login is on, and how many recovery codes are left',
      description: 'pending: an enrolment waits for its first code (POST /two-factor/confirm). The secret and the recovery codes are never shown here.',
      tags: ['two-factor'],
      security: [{ bearerAuth: [] }],
      response: { 200: ref(TwoFactorStatusSchema), ...errorResponses(401) }
    }
  }, async (request) => {
    const status = await fastify.twoFactor.status(request.user.sub)
    return { ...status, enabled_at: status.enabled_at?.toISOString() ?? null }
  })
}

export default plugin
