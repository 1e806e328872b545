// GET /api/v1/auth/me
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MeSchema, toUserResponse } from '../../../../schemas/users.js'
import { toBookResponse } from '../../../../schemas/books.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/me', {
    onRequest: fastify.authenticate,
    schema: {
      operationId: 'getMe',
      summary: 'The signed-in user, with their books',
      description: 'The account the access token belongs to, and all of its books, newest first.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: ref(MeSchema), ...errorResponses(401) }
    }
  }, async (request) => {
    const [user, books] = await Promise.all([
      fastify.usersRepository.findByUid(request.user.sub),
      fastify.booksRepository.listAllOf(request.user.sub)
    ])
    if (user === undefined) throw new AppError('invalid_token')
    return { ...toUserResponse(user), books: books.map(toBookResponse) }
  })
}

export default plugin
