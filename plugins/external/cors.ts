// @fastify/cors: only the origins listed in CORS_ORIGINS may call the API from a browser; none by default.
import fp from 'fastify-plugin'
import fastifyCors from '@fastify/cors'

function parseOrigins (value: string): string[] {
  return value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
}

export default fp(async function cors (fastify) {
  const origins = parseOrigins(fastify.config.CORS_ORIGINS)
  // No origins: no CORS headers at all, so browsers keep the same-origin policy (and no hook runs).
  if (origins.length === 0) return
  await fastify.register(fastifyCors, {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600
  })
}, { name: 'cors', dependencies: ['env'] })
