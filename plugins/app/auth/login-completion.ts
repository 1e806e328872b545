// The end of every successful login, by password alone or with a second factor: the session and
// its tokens, and a device new to the account recorded and mailed after the answer.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Static } from '@sinclair/typebox'
import type { AuthMethod, SessionOwner, User } from '../../../db/types.js'
import type { LoginResponse } from '../../../schemas/auth.js'
import { AppError, type ErrorCode } from '../http/errors.js'
import { requestOrigin } from '../security-events/security-events-service.js'

export type LoginAccount = SessionOwner & Pick<User, 'first_name' | 'username'>

export interface LoginCompletion {
  // The login's answer; throws `refusal` when the account was disabled or changed role meanwhile.
  complete (request: FastifyRequest, user: LoginAccount, amr: AuthMethod[], refusal: ErrorCode): Promise<Static<typeof LoginResponse>>
}

declare module 'fastify' {
  interface FastifyInstance {
    loginCompletion: LoginCompletion
  }
}

export default fp(async function loginCompletion (fastify) {
  const { sessionService, securityEvents, afterAnswer } = fastify

  fastify.decorate('loginCompletion', {
    async complete (request, user, amr, refusal) {
      const origin = requestOrigin(request)
      const opened = await sessionService.open(user, origin, amr)
      if (opened === undefined) {
        request.log.info({ user: user.uid }, 'login failed: the account changed meanwhile')
        throw new AppError(refusal)
      }
      request.log.info({ user: user.uid, amr }, 'login succeeded')
      // Rarely anything: only a new device is news, and its mail need not hold up the answer.
      if (!opened.history.firstLogin && !opened.history.knownDevice) {
        afterAnswer.run(request, 'new device event', () => securityEvents.loggedIn(user, origin, opened.history))
      }
      return { message: 'Login Successful', ...opened.tokens, user: { email: user.email, uid: user.uid } }
    }
  } satisfies LoginCompletion)
}, { name: 'login-completion', dependencies: ['session-service', 'security-events', 'after-answer'] })
