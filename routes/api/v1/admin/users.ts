// /api/v1/admin/users: admins list accounts, change their role, disable or delete them, and turn
// two-factor login off for an account that lost its authenticator and its recovery codes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { AdminUserParams, AdminUserSchema, AdminUserUpdateBody, toAdminUserResponse } from '../../../../schemas/users.js'
import { PaginationQuery } from '../../../../schemas/pagination.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { NOT_ADMIN } from '../../../../plugins/app/users/users-repository.js'
import { requestOrigin } from '../../../../plugins/app/security-events/security-events-service.js'
import { SecurityEventSchema, toSecurityEventResponse } from '../../../../schemas/security-events.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { usersRepository, sessionService, securityEvents, securityEventsRepository, twoFactor } = fastify
  const adminOnly = [fastify.authenticate, fastify.requireRole('admin')]
  const common = { tags: ['admin'], security: [{ bearerAuth: [] }] }

  // An admin locking themselves out (or demoting the last admin) is a mistake the CLI can undo, the API cannot.
  const assertNotSelf = (request: FastifyRequest, uid: string): void => {
    if (uid === request.user.sub) throw new AppError('cannot_modify_self')
  }

  fastify.get('/users', {
    onRequest: adminOnly,
    schema: {
      ...common,
      operationId: 'listUsers',
      summary: 'All accounts, newest first',
      description: 'Disabled accounts included (disabled_at). A non-admin token is 403 insufficient_permissions.',
      querystring: PaginationQuery,
      response: { 200: Type.Array(ref(AdminUserSchema), { description: 'A page of accounts' }), ...errorResponses(401, 403, 422) }
    }
  }, async (request) => (await usersRepository.list(request.query)).map(toAdminUserResponse))

  fastify.patch('/users/:uid', {
    onRequest: adminOnly,
    schema: {
      ...common,
      operationId: 'updateUser',
      summary: "Change an account's role or disable it; either ends all of its sessions",
      description: 'Your own account is 403 cannot_modify_self; a missing one 404 user_not_found.',
      params: AdminUserParams,
      body: ref(AdminUserUpdateBody),
      response: { 200: ref(AdminUserSchema, { description: 'The account as changed' }), ...errorResponses(401, 403, 404, 422) }
    }
  }, async (request) => {
    const { uid } = request.params
    assertNotSelf(request, uid)
    // Made only while the caller is still an admin: two admins demoting each other at once cannot both win.
    const result = await usersRepository.asAdmin(request.user.sub, uid, (users) => users.changeAccount(uid, request.body))
    if (result === NOT_ADMIN) throw new AppError('insufficient_permissions')
    if (result === undefined) throw new AppError('user_not_found')
    // Tokens carry the role, so a new role needs new tokens; a disabled account keeps none.
    const reason = result.disabledNow ? 'user_disabled' : result.roleChanged ? 'role_changed' : undefined
    if (reason !== undefined) {
      const ended = await sessionService.endUserSessions(uid, reason)
      request.log.info({ user: uid, by: request.user.sub, reason, endedSessions: ended }, 'account changed by admin')
    }
    const origin = requestOrigin(request)
    const by = request.user.sub
    if (result.roleChanged) await securityEvents.record(uid, 'role_changed', origin, { from: result.previousRole, to: result.user.role, by })
    if (result.disabledNow) await securityEvents.record(uid, 'account_disabled', origin, { by })
    if (result.enabledNow) await securityEvents.record(uid, 'account_enabled', origin, { by })
    return toAdminUserResponse(result.user)
  })

  fastify.get('/users/:uid/security-events', {
    onRequest: adminOnly,
    schema: {
      ...common,
      operationId: 'listUserSecurityEvents',
      summary: "An account's security events, newest first",
      description: 'A missing account is 404 user_not_found.',
      params: AdminUserParams,
      querystring: PaginationQuery,
      response: { 200: Type.Array(ref(SecurityEventSchema), { description: 'A page of events' }), ...errorResponses(401, 403, 404, 422) }
    }
  }, async (request) => {
    const { uid } = request.params
    if (await usersRepository.findByUid(uid) === undefined) throw new AppError('user_not_found')
    return (await securityEventsRepository.list(uid, request.query)).map(toSecurityEventResponse)
  })

  fastify.delete('/users/:uid/two-factor', {
    // Stripping an account's second factor is as much as a way in: a stolen admin token alone must not.
    onRequest: [...adminOnly, fastify.stepUp.guard],
    schema: {
      ...common,
      operationId: 'disableUserTwoFactor',
      summary: 'Turn two-factor login off for an account that lost its authenticator and recovery codes',
      description: 'Its secret and recovery codes are deleted; its password alone logs in again. Your own account is 403 cannot_modify_self (use POST /api/v1/auth/two-factor/disable); a missing one 404 user_not_found; ' +
        'two-factor not on: 409 two_factor_not_enabled. Needs a login from the last STEP_UP_MAX_AGE seconds (default 300), else 401 recent_login_required.',
      params: AdminUserParams,
      response: { 204: Type.Null({ description: 'Two-factor login is off for the account' }), ...errorResponses(401, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { uid } = request.params
    assertNotSelf(request, uid)
    const by = request.user.sub
    const outcome = await usersRepository.asAdmin(by, uid, async (users, trx) =>
      await users.findByUid(uid) === undefined ? 'missing' : await twoFactor.disableWithin(trx, uid))
    if (outcome === NOT_ADMIN) throw new AppError('insufficient_permissions')
    if (outcome === 'missing') throw new AppError('user_not_found')
    if (!outcome) throw new AppError('two_factor_not_enabled')
    await securityEvents.record(uid, 'two_factor_disabled', requestOrigin(request), { by })
    request.log.info({ user: uid, by }, 'two-factor login turned off by admin')
    return reply.code(204).send(null)
  })

  fastify.delete('/users/:uid', {
    onRequest: adminOnly,
    schema: {
      ...common,
      operationId: 'deleteUser',
      summary: 'Delete an account, its sessions and its books',
      description: 'Your own account is 403 cannot_modify_self; a missing one 404 user_not_found.',
      params: AdminUserParams,
      response: { 204: Type.Null({ description: 'Account deleted' }), ...errorResponses(401, 403, 404, 422) }
    }
  }, async (request, reply) => {
    const { uid } = request.params
    assertNotSelf(request, uid)
    // The delete trigger revokes the sessions too and every instance hears of it; ending them in
    // the same transaction and announcing them makes the cut-off immediate on this instance as well.
    const outcome = await usersRepository.asAdmin(request.user.sub, uid, async (users, trx) => {
      const ended = await sessionService.endUserSessionsWithin(trx, uid, 'user_deleted')
      return { deleted: await users.delete(uid), ended }
    })
    if (outcome === NOT_ADMIN) throw new AppError('insufficient_permissions')
    if (!outcome.deleted) throw new AppError('user_not_found')
    outcome.ended.announce()
    request.log.info({ user: uid, by: request.user.sub }, 'account deleted by admin')
    return reply.code(204).send(null)
  })
}

export default plugin
