// @fastify/rate-limit, off by default (global: false); counters in memory, or in Redis when REDIS_URL is set.
// The limits themselves are Bookly's: plugins/app/auth/abuse-limits.ts.
import fp from 'fastify-plugin'
import fastifyRateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { retryAfter } from '../app/http/errors.js'

export default fp(async function rateLimit (fastify) {
  const { REDIS_URL, RATE_LIMIT_NAMESPACE } = fastify.config
  // Fail fast rather than queue: with Redis unreachable a limited request fails within connectTimeout.
  const redis = REDIS_URL
    ? new Redis(REDIS_URL, { connectTimeout: 500, maxRetriesPerRequest: 1, lazyConnect: true })
    : undefined
  if (redis) {
    redis.on('error', (err) => fastify.log.warn({ err }, 'redis connection error'))
    await redis.connect()
    fastify.addHook('onClose', async () => { await redis.quit() })
  }
  await fastify.register(fastifyRateLimit, {
    global: false,
    redis,
    nameSpace: RATE_LIMIT_NAMESPACE,
    // Routes that use `config.rateLimit` answer through the one error handler too.
    errorResponseBuilder: (_request, context) => retryAfter('rate_limited', context.ttl / 1000)
  })
}, { name: 'rate-limit', dependencies: ['env'] })
