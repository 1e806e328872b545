// GET /api/v1/auth/verify/{token}: the link in the verification mail. (GET /verify, the proxy check, is verify.ts.)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MESSAGES, TokenParams } from '../../../../schemas/account-email.js'
import { MessageSchema } from '../../../../schemas/auth.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/verify/:token', {
    config: { changesState: true },
    schema: {
      summary: 'Verify the e-mail address a verification link was sent to',
      description: 'A link already used answers 200 again until it expires (link scanners, double clicks).',
      tags: ['auth'],
      params: TokenParams,
      response: { 200: MessageSchema, ...errorResponses(400, 422) }
    }
  }, async (request) => {
    const uid = await fastify.accountEmail.verifyEmail(request.params.token)
    if (uid === undefined) throw new AppError('invalid_or_expired_token')
    request.log.info({ user: uid }, 'e-mail verified')
    return { message: MESSAGES.verified }
  })
}

export default plugin
