// POST /api/v1/auth/login/two-factor: the second step of a login with two-factor on.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LoginResponse } from '../../../../../schemas/auth.js'
import { LoginTwoFactorBody, exactlyOneFactor } from '../../../../../schemas/two-factor.js'
import { errorResponses } from '../../../../../schemas/errors.js'
import { ref } from '../../../../../schemas/ref.js'
import { AppError } from '../../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, abuseLimits, securityEvents, twoFactor, loginCompletion } = fastify

  fastify.post('/two-factor', {
    preHandler: exactlyOneFactor,
    schema: {
      operationId: 'loginTwoFactor',
      summary: 'Finish a login with a two-factor code or a recovery code',
      description: 'The ticket is the one POST /api/v1/auth/login answered with (202). A wrong code is 403 invalid_mfa_code and counts as a failed login of the account; ' +
        'after 5 wrong codes, or once used or expired, the ticket is 401 invalid_mfa_ticket and the client logs in again. A code is accepted once.',
      tags: ['auth'],
      security: [],
      body: ref(LoginTwoFactorBody),
      response: { 200: ref(LoginResponse), ...errorResponses(401, 403, 422) }
    }
  }, async (request) => {
    const { mfa_ticket: ticket, ...proof } = request.body
    const owner = await twoFactor.ticketOwner(ticket)
    const user = owner === undefined ? undefined : await usersRepository.findByUid(owner)
    if (user === undefined || user.disabled_at !== null) throw new AppError('invalid_mfa_ticket')
    // Codes are guessed against the same per-account count as passwords.
    await abuseLimits.passwordCheckAllowed(request, user.email)
    const redeemed = await twoFactor.redeemTicket(ticket, user.uid, proof)
    if (redeemed.outcome === 'invalid_ticket') throw new AppError('invalid_mfa_ticket')
    const origin = requestOrigin(request)
    if (redeemed.outcome === 'invalid_code') {
      await abuseLimits.passwordCheckFailed(request, user.email)
      await securityEvents.record(user.uid, 'login_failed', origin, { factor: proof.code === undefined ? 'recovery_code' : 'totp' })
      request.log.info({ user: user.uid }, 'login failed: wrong two-factor code')
      throw new AppError('invalid_mfa_code')
    }
    if (redeemed.method === 'rec') await securityEvents.record(user.uid, 'recovery_code_used', origin)
    return loginCompletion.complete(request, user, ['pwd', redeemed.method, 'mfa'], 'invalid_mfa_ticket')
  })
}

export default plugin
