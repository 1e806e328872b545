// GET /health: liveness, no I/O. GET /health/ready: the database answers and every migration is applied.
// Both stay answered while the server sheds load, so an orchestrator never restarts a merely busy instance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { errorResponses } from '../../schemas/errors.js'
import { HealthOk } from '../../schemas/health.js'
import { ref } from '../../schemas/ref.js'
import { AppError } from '../../plugins/app/http/errors.js'
import { pendingMigrations } from '../../db/migrate.js'

// A route's own pressureHandler replaces @fastify/under-pressure's, which sheds: this one lets the request through.
const neverShed = { pressureHandler: (): void => {} }

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    config: neverShed,
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness: the process is up and serving requests',
      description: 'No I/O; answered even while the server sheds load.',
      tags: ['health'],
      security: [],
      response: { 200: ref(HealthOk, { description: 'The process is up' }) }
    }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    config: neverShed,
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness: the database is reachable and fully migrated',
      description: 'Otherwise 503 service_unavailable, saying why; answered even while the server sheds load.',
      tags: ['health'],
      security: [],
      response: { 200: ref(HealthOk, { description: 'Ready for traffic' }), ...errorResponses(503) }
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
