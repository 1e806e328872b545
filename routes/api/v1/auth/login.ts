// POST /api/v1/auth/login
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LoginBody, LoginResponse } from '../../../../schemas/auth.js'
import { MfaChallengeSchema } from '../../../../schemas/two-factor.js'
import { normaliseEmail } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, passwords, abuseLimits, securityEvents, afterAnswer, twoFactor, loginCompletion } = fastify
  const { REQUIRE_VERIFIED_EMAIL } = fastify.config

  fastify.post('/login', {
    onRequest: passwords.refuseIfBusy,
    preValidation: normaliseEmail,
    preHandler: abuseLimits.loginAllowed,
    schema: {
      operationId: 'login',
      summary: 'Log in with e-mail and password',
      description: 'Any wrong e-mail or password is 403 invalid_email_or_password. With REQUIRE_VERIFIED_EMAIL, an unverified account with the right password gets 403 email_not_verified. ' +
        'With two-factor login on, the right password gets 202 and a ticket instead of tokens: send it with a code to POST /api/v1/auth/login/two-factor.',
      tags: ['auth'],
      security: [],
      body: ref(LoginBody),
      response: {
        200: ref(LoginResponse),
        202: ref(MfaChallengeSchema),
        ...errorResponses(403, 422)
      }
    }
  }, async (request, reply) => {
    const { email, password } = request.body
    const user = await usersRepository.findForLogin(email)
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
    if (user.two_factor) {
      const { ticket, expiresIn } = await twoFactor.issueTicket(user.uid)
      request.log.info({ user: user.uid }, 'password accepted; two-factor code required')
      return reply.code(202).send({ message: 'Two-factor code required', mfa_required: true, mfa_ticket: ticket, expires_in: expiresIn, methods: ['totp', 'recovery_code'] })
    }
    return reply.send(await loginCompletion.complete(request, user, ['pwd'], 'invalid_email_or_password'))
  })
}

export default plugin
