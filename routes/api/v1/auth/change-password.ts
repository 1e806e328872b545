// POST /api/v1/auth/change_password: every other session ends; outstanding reset and e-mail change links die.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChangePasswordBody, MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { passwordPolicyRefusals } from '../../../../schemas/users.js'
import { ref } from '../../../../schemas/ref.js'
import { VOIDED_BY_NEW_PASSWORD } from '../../../../plugins/app/account-email/account-email-service.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, passwords, passwordPolicy, sessionService, accountTokensRepository, abuseLimits, securityEvents } = fastify

  fastify.post('/change_password', {
    onRequest: [passwords.refuseIfBusy, abuseLimits.changePasswordPerIp, fastify.authenticate, fastify.stepUp.guard],
    schema: {
      operationId: 'changePassword',
      summary: 'Change your password; every other session ends',
      description: 'Outstanding password-reset and e-mail change links stop working too. A wrong current password is 403 invalid_password. ' +
        'Needs a login from the last STEP_UP_MAX_AGE seconds (default 300): an older access token gets 401 recent_login_required. ' +
        passwordPolicyRefusals('new_password'),
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      body: ref(ChangePasswordBody),
      response: { 200: ref(MessageSchema, { description: 'Password changed' }), ...errorResponses(401, 403, 422) }
    }
  }, async (request) => {
    const { current_password: current, new_password: next } = request.body
    const user = await fastify.ownPassword(request, current)
    await passwordPolicy.check(next, user, 'new_password')
    await usersRepository.setPasswordHash(user.uid, await passwords.hash(next, request.socket))
    await accountTokensRepository.voidTokens(user.uid, VOIDED_BY_NEW_PASSWORD)
    const ended = await sessionService.endUserSessions(user.uid, 'password_changed', request.user.sid)
    await securityEvents.record(user.uid, 'password_changed', requestOrigin(request), { sessions_ended: ended })
    request.log.info({ user: user.uid, endedSessions: ended }, 'password changed')
    return { message: 'Password changed' }
  })
}

export default plugin
