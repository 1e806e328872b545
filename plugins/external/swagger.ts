// @fastify/swagger: the OpenAPI document, built from the routes' own TypeBox schemas.
import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import type { FastifySchema } from 'fastify'
import { COMPONENT_SCHEMAS } from '../../schemas/components.js'

interface ObjectSchema { properties?: Record<string, { default?: unknown }>, required?: string[] }

// ajv fills in a query parameter's default (useDefaults), so a client may leave it out.
function defaultedQueryOptional (schema: FastifySchema): FastifySchema {
  const query = schema?.querystring as ObjectSchema | undefined
  if (query?.required === undefined) return schema
  const required = query.required.filter((name) => query.properties?.[name]?.default === undefined)
  return { ...schema, querystring: { ...query, required } }
}

export default fp(async function swagger (fastify) {
  // Routes answer with `{ $ref: 'Book' }` and the like (schemas/ref.ts); the document names each under components.schemas.
  for (const schema of COMPONENT_SCHEMAS) fastify.addSchema(schema)
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bookly API',
        description: 'Book catalogue with JWT authentication. Every error has the shape of the Error schema.',
        version: '1.0.0',
        // The LICENSE file's, as package.json says (test/plugins/external/swagger.test.ts holds them together).
        license: { name: 'MIT', identifier: 'MIT' }
      },
      // Relative: the server the document was fetched from, whatever host name it was reached by.
      servers: [{ url: '/', description: 'This server' }],
      tags: [
        { name: 'auth', description: 'Accounts, login, tokens and sessions' },
        { name: 'two-factor', description: 'Two-factor login: TOTP enrolment, recovery codes' },
        { name: 'books', description: 'The book catalogue' },
        { name: 'admin', description: 'Account administration (admin role)' },
        { name: 'keys', description: 'Public signing keys' },
        { name: 'health', description: 'Liveness and readiness checks' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (login or refresh_token gives one)' },
          refreshToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A refresh token (login or the last refresh_token gave it), not an access token: an access token here is 401 refresh_token_required' }
        }
      }
    },
    transform: ({ schema, url }) => ({ schema: defaultedQueryOptional(schema), url }),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  })
}, { name: 'swagger' })
