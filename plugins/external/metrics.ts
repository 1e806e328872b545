// fastify-metrics: request durations per route pattern (never the URL, so no id or token becomes a
// label) and the process's default metrics, into a registry of this app's own. Only with a
// METRICS_PORT: nothing is timed otherwise. plugins/app/metrics/ serves the registry on that port.
import fp from 'fastify-plugin'
import fastifyMetricsModule from 'fastify-metrics'
import promClient, { Registry } from 'prom-client'
import { metricsPort } from '../../config/schema.js'

// A CommonJS module whose plugin is its `default` export.
const fastifyMetrics = fastifyMetricsModule.default

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry
  }
}

export default fp(async function metrics (fastify) {
  // Not prom-client's global registry: tests build many apps in one process.
  const registry = new Registry()
  fastify.decorate('metricsRegistry', registry)
  if (metricsPort(fastify.config) === 0) return
  await fastify.register(fastifyMetrics, {
    promClient,
    // Served on the metrics listener only, never on the API's port.
    endpoint: null,
    defaultMetrics: { enabled: true, register: registry },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      // Routes that exist only: a 404's URL could be anything a client sent.
      registeredRoutesOnly: true,
      overrides: {
        histogram: { registers: [registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
        summary: { registers: [] }
      }
    }
  })
}, { name: 'metrics', dependencies: ['env'] })
