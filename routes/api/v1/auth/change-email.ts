// POST /api/v1/auth/change_email: a link to the new address that makes the change, and a notice to the current one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChangeEmailBody, MESSAGES } from '../../../../schemas/account-email.js'
import { MessageSchema } from '../../../../schemas/auth.js'
import { normaliseEmailIn } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { passwords, abuseLimits, accountEmail, securityEvents } = fastify

  fastify.post('/change_email', {
    onRequest: [passwords.refuseIfBusy, abuseLimits.changeEmailPerIp, fastify.authenticate, fastify.stepUp.guard],
    preValidation: normaliseEmailIn('new_email'),
    schema: {
      operationId: 'changeEmail',
      summary: 'Ask to move your account to a new e-mail address; a link to it makes the change',
      description: 'Mails the new address a link (GET /api/v1/auth/email-change/{token}, valid for EMAIL_CHANGE_TTL seconds, default 3600) that makes the change, voiding any earlier such link, and tells the current address, with no link. Nothing changes until the link is opened. A wrong password is 403 invalid_password and counts as a failed login of the account; an address another account has is 403 user_exists; the current address is 422 email_unchanged. Needs a login from the last STEP_UP_MAX_AGE seconds (default 300): an older access token gets 401 recent_login_required. Limited per IP like change_password (429).',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      body: ref(ChangeEmailBody),
      response: { 202: ref(MessageSchema, { description: 'Link sent to the new address' }), ...errorResponses(401, 403, 422) }
    }
  }, async (request, reply) => {
    const { new_email: newEmail, password } = request.body
    const user = await fastify.ownPassword(request, password)
    if (newEmail === user.email) {
      throw new AppError('email_unchanged', undefined, {}, [{ path: '/body/new_email', message: 'is the address the account already has' }])
    }
    const origin = requestOrigin(request)
    await accountEmail.requestEmailChange(user, newEmail, origin)
    await securityEvents.record(user.uid, 'email_change_requested', origin, { to: newEmail })
    request.log.info({ user: user.uid }, 'e-mail change requested')
    return reply.code(202).send({ message: MESSAGES.emailChangeRequested })
  })
}

export default plugin
