// POST /api/v1/auth/password-reset-confirm/{token}: the new password; every session of the account ends.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MESSAGES, ResetConfirmBody, TokenParams } from '../../../../schemas/account-email.js'
import { MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { passwordPolicyRefusals } from '../../../../schemas/users.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/password-reset-confirm/:token', {
    onRequest: fastify.passwords.refuseIfBusy,
    schema: {
      operationId: 'confirmPasswordReset',
      summary: 'Set a new password with a reset link; every session of the account ends',
      description: 'Also voids the account\'s other reset links and marks its e-mail address verified. An unknown, used or expired link is 400 invalid_or_expired_token; two different passwords are 400 passwords_do_not_match. ' +
        passwordPolicyRefusals('new_password') + ' A refused password leaves the link usable.',
      tags: ['auth'],
      security: [],
      params: TokenParams,
      body: ref(ResetConfirmBody),
      response: { 200: ref(MessageSchema, { description: 'Password reset' }), ...errorResponses(400, 422) }
    }
  }, async (request) => {
    const { new_password: password, confirm_new_password: confirmation } = request.body
    if (password !== confirmation) throw new AppError('passwords_do_not_match')
    const reset = await fastify.accountEmail.resetPassword(request.params.token, password, request.socket)
    if (reset === undefined) throw new AppError('invalid_or_expired_token')
    await fastify.securityEvents.record(reset.uid, 'password_reset', requestOrigin(request), { sessions_ended: reset.endedSessions })
    request.log.info({ user: reset.uid, endedSessions: reset.endedSessions }, 'password reset')
    return { message: MESSAGES.reset }
  })
}

export default plugin
