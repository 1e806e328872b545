// POST /api/v1/auth/two-factor/disable: two-factor off, with the password and a code.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MessageSchema } from '../../../../../schemas/auth.js'
import { DisableTwoFactorBody, exactlyOneFactor } from '../../../../../schemas/two-factor.js'
import { errorResponses } from '../../../../../schemas/errors.js'
import { ref } from '../../../../../schemas/ref.js'
import { AppError } from '../../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { passwords, ownPassword, twoFactor, abuseLimits, securityEvents } = fastify

  fastify.post('/disable', {
    onRequest: [passwords.refuseIfBusy, fastify.authenticate, fastify.stepUp.guard],
    preHandler: exactlyOneFactor,
    schema: {
      operationId: 'disableTwoFactor',
      summary: 'Turn two-factor login off',
      description: 'Needs the password and a code or a recovery code; the secret and every recovery code are deleted. A wrong password is 403 invalid_password, a wrong code 403 invalid_mfa_code; both count as failed logins of the account. ' +
        'Not on: 409 two_factor_not_enabled. Needs a login from the last STEP_UP_MAX_AGE seconds (default 300), else 401 recent_login_required.',
      tags: ['two-factor'],
      security: [{ bearerAuth: [] }],
      body: ref(DisableTwoFactorBody),
      response: { 200: ref(MessageSchema, { description: 'Two-factor login is off' }), ...errorResponses(401, 403, 409, 422) }
    }
  }, async (request) => {
    const { password, ...proof } = request.body
    const user = await ownPassword(request, password)
    const disabled = await twoFactor.disable(user.uid, proof)
    if (disabled === 'not_enabled') throw new AppError('two_factor_not_enabled')
    if (disabled === 'invalid_code') {
      await abuseLimits.passwordCheckFailed(request, user.email)
      throw new AppError('invalid_mfa_code')
    }
    const origin = requestOrigin(request)
    if (disabled === 'rec') await securityEvents.record(user.uid, 'recovery_code_used', origin)
    await securityEvents.record(user.uid, 'two_factor_disabled', origin)
    request.log.info({ user: user.uid }, 'two-factor login turned off')
    return { message: 'Two-factor login is off' }
  })
}

export default plugin
