// GET /health: 200 while the database answers, 503 when it does not.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { errorResponses } from '../../schemas/errors.js'
import { AppError } from '../../lib/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: {
      summary: 'Liveness and database reachability',
      tags: ['health'],
      response: { 200: Type.Object({ status: Type.Literal('ok') }), ...errorResponses(503) }
    }
  }, async (request) => {
    try {
      await sql`select 1`.execute(fastify.db)
    } catch (err) {
      request.log.warn({ err }, 'health check: database unreachable')
      throw new AppError('service_unavailable', 'Database unreachable')
    }
    return { status: 'ok' as const }
  })
}

export default plugin
