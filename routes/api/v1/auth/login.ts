// POST /api/v1/auth/login
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LoginBody, LoginResponse } from '../../../../schemas/auth.js'
import { normaliseEmail } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, passwords, sessionService, abuseLimits, securityEvents, afterAnswer } = fastify
  const { REQUIRE_VERIFIED_EMAIL } = fastify.config

  fastify.post('/login', {
    onRequest: passwords.refuseIfBusy,
    preValidation: normaliseEmail,
    preHandler: abuseLimits.loginAllowed,
    schema: {
      operationId: 'login',
      summary: 'Log in with e-mail and password',
      description: 'Any wrong e-mail or password is 403 invalid_email_or_password. With REQUIRE_VERIFIED_EMAIL, an unverified account with the right password gets 403 email_not_verified.',
      tags: ['auth'],
      security: [],
      body: ref(LoginBody),
      response: { 200: ref(LoginResponse), ...errorResponses(403, 422) }
    }
  }, async (request, reply) => {
    const { email, password } = request.body
    const user = await usersRepository.findByEmail(email)
    // An unknown e-mail is verified against a decoy hash, and a disabled account's password is
    // still checked: same work, same answer.
    if (!await passwords.verify(user?.password_hash, password, request.socket) || user === undefined || user.disabled_at !== null) {
      request.log.info({ email }, 'login failed')
      await abuseLimits.loginFailed(request)
      // After the answer: an unknown e-mail has no account to record it for, and must not answer faster.
      const origin = requestOrigin(request)
      if (user !== undefined) afterAnswer.run(request, 'failed login event', () => securityEvents.record(user.uid, 'login_failed', origin))
      throw new AppError('invalid_email_or_password')
    }
    // Only once the password is right: a wrong one gets the usual answer, verified or not.
    if (REQUIRE_VERIFIED_EMAIL && !user.is_verified) {
      request.log.info({ user: user.uid }, 'login refused: e-mail not verified')
      throw new AppError('email_not_verified')
    }
    if (passwords.needsRehash(user.password_hash)) {
      await usersRepository.setPasswordHash(user.uid, await passwords.hash(password, request.socket))
    }
    // An admin may have disabled the account or changed its role while the password was checked.
    const origin = requestOrigin(request)
    const opened = await sessionService.open(user, origin)
    if (opened === undefined) {
      request.log.info({ user: user.uid }, 'login failed: the account changed meanwhile')
      throw new AppError('invalid_email_or_password')
    }
    request.log.info({ user: user.uid }, 'login succeeded')
    // Rarely anything: only a new device is news, and its mail need not hold up the answer.
    if (!opened.history.firstLogin && !opened.history.knownDevice) {
      afterAnswer.run(request, 'new device event', () => securityEvents.loggedIn(user, origin, opened.history))
    }
    return reply.send({
      message: 'Login Successful',
      ...opened.tokens,
      user: { email: user.email, uid: user.uid }
    })
  })
}

export default plugin
