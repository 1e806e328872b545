// @fastify/under-pressure: shed load with 503 `overloaded` while the event loop is saturated.
// A route opts out with its own `config.pressureHandler` (the health checks do).
import fp from 'fastify-plugin'
import fastifyUnderPressure from '@fastify/under-pressure'
import { retryAfter } from '../app/http/errors.js'

const RETRY_AFTER_SECONDS = 5

export default fp(async function underPressure (fastify) {
  // One warning a second at most: under overload, a line per shed request would add to the load.
  let lastWarning = 0
  await fastify.register(fastifyUnderPressure, {
    maxEventLoopDelay: fastify.config.MAX_EVENT_LOOP_DELAY,
    maxEventLoopUtilization: fastify.config.MAX_EVENT_LOOP_UTILIZATION,
    // Utilisation over the last sample, not since start: shed while busy now, stop once it passes.
    eventLoopUtilizationMode: 'interval',
    exposeStatusRoute: false,
    pressureHandler: async (request, _reply, type, value) => {
      if (Date.now() - lastWarning >= 1000) {
        lastWarning = Date.now()
        request.log.warn({ type, value }, 'shedding load')
      }
      throw retryAfter('overloaded', RETRY_AFTER_SECONDS)
    }
  })
}, { name: 'under-pressure', dependencies: ['env'] })
