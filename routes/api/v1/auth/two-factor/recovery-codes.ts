// POST /api/v1/auth/two-factor/recovery-codes: a new set of recovery codes; the old set stops working.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { RecoveryCodesSchema } from '../../../../../schemas/two-factor.js'
import { errorResponses } from '../../../../../schemas/errors.js'
import { ref } from '../../../../../schemas/ref.js'
import { AppError } from '../../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/recovery-codes', {
    // New codes are a way in: the same bar as turning two-factor off.
    onRequest: [fastify.authenticate, fastify.stepUp.guard],
    schema: {
      operationId: 'regenerateRecoveryCodes',
      summary: 'Replace your recovery codes',
      description: 'Ten new codes, shown only in this answer; every earlier code stops working. Two-factor not on: 409 two_factor_not_enabled. Needs a login from the last STEP_UP_MAX_AGE seconds (default 300), else 401 recent_login_required.',
      tags: ['two-factor'],
      security: [{ bearerAuth: [] }],
      response: { 200: ref(RecoveryCodesSchema, { description: 'The new recovery codes' }), ...errorResponses(401, 409) }
    }
  }, async (request) => {
    const uid = request.user.sub
    const codes = await fastify.twoFactor.regenerateRecoveryCodes(uid)
    if (codes === undefined) throw new AppError('two_factor_not_enabled')
    await fastify.securityEvents.record(uid, 'recovery_codes_regenerated', requestOrigin(request))
    request.log.info({ user: uid }, 'recovery codes regenerated')
    return { message: 'New recovery codes; the earlier ones no longer work', recovery_codes: codes }
  })
}

export default plugin
