// Step-up: what a stolen access token must not do on its own (change the password or the e-mail
// address, turn two-factor off, end the owner's other sessions) needs a login from the last
// STEP_UP_MAX_AGE seconds, as the token's auth_time says; else 401 recent_login_required.
import fp from 'fastify-plugin'
import type { TokenPayload } from '../../../schemas/tokens.js'
import { AppError } from '../http/errors.js'
import type { Guard } from './authenticate.js'

export interface StepUp {
  // onRequest hook, after fastify.authenticate.
  guard: Guard
  // For routes where only some requests need it (ending other sessions): throws when `user`'s login is too old.
  assert (user: TokenPayload): void
}

declare module 'fastify' {
  interface FastifyInstance {
    stepUp: StepUp
  }
}

// A token minted before auth_time existed never counts as a recent login.
export const loggedInWithin = (user: TokenPayload, seconds: number, now = Date.now() / 1000): boolean =>
  user.auth_time !== undefined && now - user.auth_time <= seconds

export default fp(async function stepUp (fastify) {
  const { STEP_UP_MAX_AGE } = fastify.config
  const assert = (user: TokenPayload): void => {
    if (!loggedInWithin(user, STEP_UP_MAX_AGE)) throw new AppError('recent_login_required')
  }
  fastify.decorate('stepUp', {
    guard (request, _reply, done) {
      done(loggedInWithin(request.user, STEP_UP_MAX_AGE) ? undefined : new AppError('recent_login_required'))
    },
    assert
  } satisfies StepUp)
}, { name: 'step-up', dependencies: ['env'] })
