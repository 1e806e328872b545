// GET /api/v1/auth/me
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { UserSchema } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { toUserResponse } from '../../../../lib/users.js'
import { AppError } from '../../../../lib/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/me', {
    onRequest: fastify.authenticate,
    schema: {
      summary: 'The signed-in user',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: UserSchema, ...errorResponses(401) }
    }
  }, async (request) => {
    const user = await fastify.usersRepository.findByUid(request.user.sub)
    if (user === undefined) throw new AppError('invalid_token')
    return toUserResponse(user)
  })
}

export default plugin
