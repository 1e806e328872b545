// @fastify/rate-limit, off by default (global: false); counters in memory, or in Redis when REDIS_URL is set.
import fp from 'fastify-plugin'
import fastifyRateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { AppError } from '../../lib/errors.js'

export function rateLimitedError (ttlMs: number): AppError {
  return new AppError('rate_limited', undefined, { 'retry-after': String(Math.max(1, Math.ceil(ttlMs / 1000))) })
}

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
    errorResponseBuilder: (_request, context) => rateLimitedError(context.ttl)
  })
}, { name: 'rate-limit', dependencies: ['env'] })
