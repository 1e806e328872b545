// GET /api/v1/auth/email-change/{token}: the link in the e-mail change mail; every session of the account ends.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MESSAGES, TokenParams } from '../../../../schemas/account-email.js'
import { MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/email-change/:token', {
    config: { changesState: true },
    schema: {
      operationId: 'confirmEmailChange',
      summary: 'Move the account to the new address an e-mail change link was sent to; every session of the account ends',
      description: 'The address is marked verified, the account\'s outstanding verification, reset and e-mail change links are voided, and every session ends (token_revoked): log in again with the new address. A malformed, unknown, used, voided or expired link, or one of a disabled account, is 400 invalid_or_expired_token; an address another account has taken since the link was sent is 403 user_exists, and then nothing changes.',
      tags: ['auth'],
      security: [],
      params: TokenParams,
      response: { 200: ref(MessageSchema, { description: 'Address changed' }), ...errorResponses(400, 403, 422) }
    }
  }, async (request) => {
    const change = await fastify.accountEmail.confirmEmailChange(request.params.token)
    if (change === undefined) throw new AppError('invalid_or_expired_token')
    const { uid, from, to, endedSessions } = change
    await fastify.securityEvents.record(uid, 'email_changed', requestOrigin(request), { from, to, sessions_ended: endedSessions })
    request.log.info({ user: uid, endedSessions }, 'e-mail changed')
    return { message: MESSAGES.emailChanged }
  })
}

export default plugin
