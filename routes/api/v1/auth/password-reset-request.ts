// POST /api/v1/auth/password-reset-request: the same 200 for every address, known or not, limited
// or not, sent before the work is done (plugins/app/http/after-answer.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EmailBody, MESSAGES } from '../../../../schemas/account-email.js'
import { MessageSchema } from '../../../../schemas/auth.js'
import { normaliseEmail } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { abuseLimits, accountEmail } = fastify

  fastify.post('/password-reset-request', {
    preValidation: normaliseEmail,
    schema: {
      operationId: 'requestPasswordReset',
      summary: 'Mail a password-reset link to the account with this address, if there is one',
      description: 'The same answer for every address, known or not, so it tells nobody which addresses have accounts.',
      tags: ['auth'],
      security: [],
      body: ref(EmailBody),
      response: { 200: ref(MessageSchema, { description: 'Request taken' }), ...errorResponses(422) }
    }
  }, async (request, reply) => {
    await reply.send({ message: MESSAGES.resetRequested })
    await fastify.afterAnswer.run(request, 'password reset request', async () => {
      if (await abuseLimits.mailAllowed(request)) await accountEmail.requestPasswordReset(request.body.email)
    })
    return reply
  })
}

export default plugin
