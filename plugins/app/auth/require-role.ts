// requireRole(...roles): an onRequest guard that runs after authenticate and admits only
// tokens whose user.role is one of roles. The role is the token's: a changed role ends the
// user's sessions, so it cannot outlive the change.
import fp from 'fastify-plugin'
import type { Role } from '../../../db/types.js'
import type { Guard } from './authenticate.js'
import { AppError } from '../http/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    requireRole (...roles: Role[]): Guard
  }
}

export default fp(async function requireRole (fastify) {
  fastify.decorate('requireRole', (...roles: Role[]): Guard => (request, _reply, done) => {
    // Registered without authenticate before it: fail closed.
    if (!request.user) done(new AppError('not_authenticated'))
    else if (!roles.includes(request.user.user.role)) done(new AppError('insufficient_permissions'))
    else done()
  })
}, { name: 'require-role', dependencies: ['authenticate'] })
