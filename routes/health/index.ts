// GET /health: liveness, no I/O. GET /health/ready: the database answers and every migration is applied.
// Both stay answered while the server sheds load, so an orchestrator never restarts a merely busy instance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { errorResponses } from '../../schemas/errors.js'
import { AppError } from '../../plugins/app/http/errors.js'
import { pendingMigrations } from '../../db/migrate.js'

const Ok = Type.Object({ status: Type.Literal('ok') }, { title: 'HealthOk' })

// A route's own pressureHandler replaces @fastify/under-pressure's, which sheds: this one lets the request through.
const neverShed = { pressureHandler: (): void => {} }

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    config: neverShed,
    schema: {
      summary: 'Liveness: the process is up and serving requests',
      tags: ['health'],
      response: { 200: Ok }
    }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    config: neverShed,
    schema: {
      summary: 'Readiness: the database is reachable and fully migrated',
      tags: ['health'],
      response: { 200: Ok, ...errorResponses(503) }
    }
  }, async (request) => {
    let pending: string[]
    try {
      await sql`select 1`.execute(fastify.db)
      pending = await pendingMigrations(fastify.db)
    } catch (err) {
      request.log.warn({ err }, 'readiness: database unreachable')
      throw new AppError('service_unavailable', 'Database unreachable')
    }
    if (pending.length > 0) throw new AppError('service_unavailable', `Migrations pending: ${pending.join(', ')}`)
    return { status: 'ok' as const }
  })
}

export default plugin
