// POST /api/v1/auth/resend_verification: the same 202 for every address, known or not, limited or
// not, sent before the work is done (plugins/app/http/after-answer.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EmailBody, MESSAGES } from '../../../../schemas/account-email.js'
import { MessageSchema } from '../../../../schemas/auth.js'
import { normaliseEmail } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { abuseLimits, accountEmail } = fastify

  fastify.post('/resend_verification', {
    preValidation: normaliseEmail,
    schema: {
      operationId: 'resendVerification',
      summary: 'Send a new verification link to an unverified account',
      description: 'The same answer for every address, known, verified or not.',
      tags: ['auth'],
      security: [],
      body: ref(EmailBody),
      response: { 202: ref(MessageSchema, { description: 'Request taken' }), ...errorResponses(422) }
    }
  }, async (request, reply) => {
    await reply.code(202).send({ message: MESSAGES.resent })
    await fastify.afterAnswer.run(request, 'verification resend', async () => {
      if (await abuseLimits.mailAllowed(request)) await accountEmail.resendVerification(request.body.email)
    })
    return reply
  })
}

export default plugin
