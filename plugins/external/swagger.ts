// @fastify/swagger: the OpenAPI document, built from the routes' own TypeBox schemas.
import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import { ErrorSchema } from '../../schemas/errors.js'

export default fp(async function swagger (fastify) {
  // Routes answer with `{ $ref: 'Error' }` (errorResponses); the document shows it as components.schemas.Error.
  fastify.addSchema(ErrorSchema)
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bookly API',
        description: 'Book catalogue with JWT authentication. Every error has the shape of the Error schema.',
        version: '1.0.0'
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }
        }
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  })
}, { name: 'swagger' })
