// POST /api/v1/auth/signup: the account, and its verification mail queued with it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SignupBody, UserSchema, normaliseEmail, passwordPolicyRefusals, toUserResponse } from '../../../../schemas/users.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/signup', {
    onRequest: [fastify.passwords.refuseIfBusy, fastify.abuseLimits.signupPerIp],
    preValidation: normaliseEmail,
    schema: {
      operationId: 'signup',
      summary: 'Create an account',
      description: 'Sends a verification mail to the address. An address already in use is 403 user_exists. ' +
        passwordPolicyRefusals('password'),
      tags: ['auth'],
      security: [],
      body: ref(SignupBody),
      response: { 201: ref(UserSchema, { description: 'The new account' }), ...errorResponses(403, 422) }
    }
  }, async (request, reply) => {
    const { password, ...profile } = request.body
    // Before the hash: a refused password costs no hash and stores nothing.
    await fastify.passwordPolicy.check(password, profile, 'password')
    const user = await fastify.accountEmail.signUp({
      ...profile,
      password_hash: await fastify.passwords.hash(password, request.socket)
    })
    if (user === undefined) throw new AppError('user_exists')
    request.log.info({ user: user.uid }, 'user signed up')
    return reply.code(201).send(toUserResponse(user))
  })
}

export default plugin
