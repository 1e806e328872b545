// @fastify/swagger-ui at /api/v1/docs, and the OpenAPI document itself at /api/v1/openapi.json.
import fp from 'fastify-plugin'
import fastifySwaggerUi from '@fastify/swagger-ui'

export const DOCS_PREFIX = '/api/v1/docs'
export const OPENAPI_URL = '/api/v1/openapi.json'

export default fp(async function swaggerUi (fastify) {
  await fastify.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    // Its own CSP (with hashes of its inline scripts) replaces helmet's API policy on the docs pages only.
    staticCSP: true
  })
  fastify.get(OPENAPI_URL, { schema: { hide: true } }, async () => fastify.swagger())
}, { name: 'swagger-ui', dependencies: ['swagger'] })
