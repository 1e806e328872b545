// POST /api/v1/auth/change_password: every other session ends and every outstanding reset link dies.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChangePasswordBody, MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { passwordPolicyRefusals } from '../../../../schemas/users.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, passwords, passwordPolicy, sessionService, accountTokensRepository, abuseLimits, securityEvents } = fastify

  fastify.post('/change_password', {
    onRequest: [passwords.refuseIfBusy, abuseLimits.changePasswordPerIp, fastify.authenticate],
    schema: {
      operationId: 'changePassword',
      summary: 'Change your password; every other session ends',
      description: 'Outstanding password-reset links stop working too. A wrong current password is 403 invalid_password. ' +
        passwordPolicyRefusals('new_password'),
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      body: ref(ChangePasswordBody),
      response: { 200: ref(MessageSchema, { description: 'Password changed' }), ...errorResponses(401, 403, 422) }
    }
  }, async (request) => {
    const { current_password: current, new_password: next } = request.body
    const user = await usersRepository.findByUid(request.user.sub)
    if (user === undefined) throw new AppError('invalid_token')
    // Guesses of the current password count as failed logins of the account, from any IP.
    await abuseLimits.passwordCheckAllowed(request, user.email)
    if (!await passwords.verify(user.password_hash, current, request.socket)) {
      await abuseLimits.passwordCheckFailed(request, user.email)
      throw new AppError('invalid_password')
    }
    await passwordPolicy.check(next, user, 'new_password')
    await usersRepository.setPasswordHash(user.uid, await passwords.hash(next, request.socket))
    await accountTokensRepository.voidPasswordResets(user.uid)
    const ended = await sessionService.endUserSessions(user.uid, 'password_changed', request.user.sid)
    await securityEvents.record(user.uid, 'password_changed', requestOrigin(request), { sessions_ended: ended })
    request.log.info({ user: user.uid, endedSessions: ended }, 'password changed')
    return { message: 'Password changed' }
  })
}

export default plugin
