// POST /api/v1/auth/two-factor/enrol: a new TOTP secret, shown once; confirm.ts turns it on.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EnrolmentSchema } from '../../../../../schemas/two-factor.js'
import { errorResponses } from '../../../../../schemas/errors.js'
import { ref } from '../../../../../schemas/ref.js'
import { AppError } from '../../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/enrol', {
    // A stolen token must not put the account under an attacker's authenticator.
    onRequest: [fastify.authenticate, fastify.stepUp.guard],
    schema: {
      operationId: 'enrolTwoFactor',
      summary: 'Start turning two-factor login on: a new TOTP secret',
      description: 'The secret, its otpauth URI and a QR code of it, for an authenticator app; shown only in this answer. Two-factor is on once POST /two-factor/confirm gets a first code. ' +
        'Calling it again before that replaces the secret. Already on: 409 two_factor_already_enabled. Needs a login from the last STEP_UP_MAX_AGE seconds (default 300), else 401 recent_login_required.',
      tags: ['two-factor'],
      security: [{ bearerAuth: [] }],
      response: { 200: ref(EnrolmentSchema), ...errorResponses(401, 409) }
    }
  }, async (request) => {
    const enrolment = await fastify.twoFactor.enrol(request.user.sub, request.user.user.email)
    if (enrolment === undefined) throw new AppError('two_factor_already_enabled')
    request.log.info({ user: request.user.sub }, 'two-factor enrolment started')
    return enrolment
  })
}

export default plugin
