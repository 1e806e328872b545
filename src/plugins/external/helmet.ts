// @fastify/helmet with its defaults: a JSON API needs no relaxed policy (the docs UI sets its own CSP).
import fp from 'fastify-plugin'
import fastifyHelmet from '@fastify/helmet'

export default fp(async function helmet (fastify) {
  await fastify.register(fastifyHelmet, { global: true })
}, { name: 'helmet' })
