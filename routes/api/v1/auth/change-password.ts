// POST /api/v1/auth/change_password: every other session ends and every outstanding reset link dies.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChangePasswordBody, MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, passwords, sessionService, accountTokensRepository } = fastify

  fastify.post('/change_password', {
    onRequest: [passwords.refuseIfBusy, fastify.abuseLimits.changePasswordPerIp, fastify.authenticate],
    schema: {
      summary: 'Change your password; every other session ends',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      body: ChangePasswordBody,
      response: { 200: MessageSchema, ...errorResponses(401, 403, 422) }
    }
  }, async (request) => {
    const { current_password: current, new_password: next } = request.body
    const user = await usersRepository.findByUid(request.user.sub)
    if (user === undefined) throw new AppError('invalid_token')
    if (!await passwords.verify(user.password_hash, current, request.socket)) throw new AppError('invalid_password')
    await usersRepository.setPasswordHash(user.uid, await passwords.hash(next, request.socket))
    await accountTokensRepository.voidPasswordResets(user.uid)
    const ended = await sessionService.endUserSessions(user.uid, 'password_changed', request.user.sid)
    request.log.info({ user: user.uid, endedSessions: ended }, 'password changed')
    return { message: 'Password changed' }
  })
}

export default plugin
