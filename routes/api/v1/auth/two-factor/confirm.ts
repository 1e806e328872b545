// POST /api/v1/auth/two-factor/confirm: the enrolment's first code turns two-factor on.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CodeBody, RecoveryCodesSchema } from '../../../../../schemas/two-factor.js'
import { errorResponses } from '../../../../../schemas/errors.js'
import { ref } from '../../../../../schemas/ref.js'
import { AppError } from '../../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { twoFactor, abuseLimits, securityEvents } = fastify

  fastify.post('/confirm', {
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'confirmTwoFactor',
      summary: 'Turn two-factor login on with a first code; the recovery codes, once',
      description: 'A wrong code is 403 invalid_mfa_code and counts as a failed login of the account. No enrolment waiting (none started, or already on): 409 two_factor_not_pending.',
      tags: ['two-factor'],
      security: [{ bearerAuth: [] }],
      body: ref(CodeBody),
      response: { 200: ref(RecoveryCodesSchema, { description: 'Two-factor login is on' }), ...errorResponses(401, 403, 409, 422) }
    }
  }, async (request) => {
    const { sub: uid, user: { email } } = request.user
    await abuseLimits.passwordCheckAllowed(request, email)
    const confirmed = await twoFactor.confirm(uid, request.body.code)
    if (confirmed === 'not_pending') throw new AppError('two_factor_not_pending')
    if (confirmed === 'invalid_code') {
      await abuseLimits.passwordCheckFailed(request, email)
      throw new AppError('invalid_mfa_code')
    }
    await securityEvents.record(uid, 'two_factor_enabled', requestOrigin(request))
    request.log.info({ user: uid }, 'two-factor login turned on')
    return { message: 'Two-factor login is on', recovery_codes: confirmed.recoveryCodes }
  })
}

export default plugin
