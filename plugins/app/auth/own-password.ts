// The caller's own password, asked again before a change to their account (change_password,
// change_email): a wrong one is 403 invalid_password and counts as a failed login of the account,
// from any IP, so a stolen access token gives no more guesses than the login form.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { User } from '../../../db/types.js'
import { AppError } from '../http/errors.js'

// The caller's account, once `password` is its password; after fastify.authenticate.
export type OwnPassword = (request: FastifyRequest, password: string) => Promise<User>

declare module 'fastify' {
  interface FastifyInstance {
    ownPassword: OwnPassword
  }
}

export default fp(async function ownPassword (fastify) {
  const { usersRepository, passwords, abuseLimits } = fastify
  const check: OwnPassword = async (request, password) => {
    const user = await usersRepository.findByUid(request.user.sub)
    if (user === undefined) throw new AppError('invalid_token')
    await abuseLimits.passwordCheckAllowed(request, user.email)
    if (!await passwords.verify(user.password_hash, password, request.socket)) {
      await abuseLimits.passwordCheckFailed(request, user.email)
      throw new AppError('invalid_password')
    }
    return user
  }
  fastify.decorate('ownPassword', check)
}, { name: 'own-password', dependencies: ['users-repository', 'passwords', 'abuse-limits'] })
