// @fastify/under-pressure: shed load with 503 `overloaded` while the event loop is saturated.
// A route opts out with its own `config.pressureHandler` (the health checks do).
import fp from 'fastify-plugin'
import fastifyUnderPressure from '@fastify/under-pressure'
import { retryAfter } from '../app/http/errors.js'

const RETRY_AFTER_SECONDS = 5
const SAMPLE_INTERVAL_MS = 1000
// A sample covers the interval before it, so the first ones after `ready` can hold start-up work
// (loading modules, the password dictionaries, migrations) that kept the loop busy but is no load:
// on a slow or crowded machine they would shed the first requests of a server that just said it
// was ready. Two intervals after ready, every sample has seen only the running server.
export const START_UP_GRACE_MS = 2 * SAMPLE_INTERVAL_MS

export default fp(async function underPressure (fastify) {
  let readyAt: number | undefined
  fastify.addHook('onReady', async () => { readyAt = Date.now() })
  // One warning a second at most: under overload, a line per shed request would add to the load.
  let lastWarning = 0
  await fastify.register(fastifyUnderPressure, {
    maxEventLoopDelay: fastify.config.MAX_EVENT_LOOP_DELAY,
    maxEventLoopUtilization: fastify.config.MAX_EVENT_LOOP_UTILIZATION,
    sampleInterval: SAMPLE_INTERVAL_MS,
    // Utilisation over the last sample, not since start: shed while busy now, stop once it passes.
    eventLoopUtilizationMode: 'interval',
    exposeStatusRoute: false,
    pressureHandler: async (request, _reply, type, value) => {
      // Resolving serves the request.
      if (readyAt === undefined || Date.now() - readyAt < START_UP_GRACE_MS) return
      if (Date.now() - lastWarning >= 1000) {
        lastWarning = Date.now()
        request.log.warn({ type, value }, 'shedding load')
      }
      throw retryAfter('overloaded', RETRY_AFTER_SECONDS)
    }
  })
}, { name: 'under-pressure', dependencies: ['env'] })
