// Bookly's own metrics beside fastify-metrics' (plugins/external/metrics.ts), and the listener of
// their own that serves them all at GET /metrics on METRICS_HOST:METRICS_PORT. Labels are route
// patterns, operation names and error codes from the one table: never an e-mail, an id or a token.
import Fastify, { type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram } from 'prom-client'
import { metricsPort } from '../../../config/schema.js'
import { toAppError } from '../http/error-handler.js'
import type { ErrorCode } from '../http/errors.js'
import type { HashObserver } from '../passwords/passwords.js'

// The operations whose outcomes are counted, by route pattern.
const OPERATIONS: Record<string, string> = {
  '/api/v1/auth/signup': 'signup',
  '/api/v1/auth/login': 'login',
  '/api/v1/auth/login/two-factor': 'login_two_factor',
  '/api/v1/auth/refresh_token': 'refresh'
}

export interface AppMetrics {
  // Undefined without a METRICS_PORT: then nothing is measured.
  hashObserver?: HashObserver
}

declare module 'fastify' {
  interface FastifyInstance {
    appMetrics: AppMetrics
  }
}

export default fp(async function appMetrics (fastify) {
  const port = metricsPort(fastify.config)
  if (port === 0) {
    fastify.decorate('appMetrics', {})
    return
  }
  const registers = [fastify.metricsRegistry]

  const outcomes = new Counter({
    name: 'bookly_auth_outcomes_total',
    help: 'Answers to signup, login (both steps) and refresh, by outcome: success, mfa_required (a right password, two-factor on), or the error_code answered',
    labelNames: ['operation', 'outcome'],
    registers
  })
  const shed = new Counter({
    name: 'bookly_requests_shed_total',
    help: 'Requests refused with 503 overloaded (event loop or hash admission), by route pattern',
    labelNames: ['route'],
    registers
  })
  const hashQueue = new Gauge({ name: 'bookly_hash_queue_depth', help: 'Password hashes waiting for a slot', registers })
  const hashWait = new Histogram({
    name: 'bookly_hash_wait_seconds',
    help: 'Time a password hash waited for a slot',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers
  })
  const { revocations } = fastify
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'bookly_revoked_sessions',
    help: 'Revoked sessions held in memory (those whose access tokens may still be unexpired)',
    registers,
    collect () { this.set(revocations.size) }
  })
  const poolUse = fastify.databasePoolUse
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'bookly_db_pool_connections',
    help: 'Database pool: connections in use and idle, and queries waiting for a connection',
    labelNames: ['state'],
    registers,
    collect () {
      const { total, idle, waiting } = poolUse()
      this.set({ state: 'busy' }, total - idle)
      this.set({ state: 'idle' }, idle)
      this.set({ state: 'waiting' }, waiting)
    }
  })

  // The error_code each failed request is answered with, as the error handler will map it.
  const answered = new WeakMap<FastifyRequest, ErrorCode>()
  fastify.addHook('onError', async (request, _reply, error) => {
    answered.set(request, toAppError(error)?.errorCode ?? 'server_error')
  })
  fastify.addHook('onResponse', async (request, reply) => {
    const code = answered.get(request)
    const route = request.routeOptions.url
    if (code === 'overloaded') shed.inc({ route: route ?? 'unmatched' })
    const operation = route === undefined ? undefined : OPERATIONS[route]
    if (operation !== undefined) outcomes.inc({ operation, outcome: reply.statusCode === 202 ? 'mfa_required' : reply.statusCode < 400 ? 'success' : code ?? `status_${reply.statusCode}` })
  })

  fastify.decorate('appMetrics', {
    hashObserver: {
      queued: () => hashQueue.inc(),
      started: (waitMs: number) => {
        hashQueue.dec()
        hashWait.observe(waitMs / 1000)
      },
      refused: () => hashQueue.dec()
    }
  })

  const listener = Fastify({ loggerInstance: fastify.log.child({ listener: 'metrics' }), disableRequestLogging: true })
  listener.get('/metrics', async (_request, reply) => {
    const registry = fastify.metricsRegistry
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  fastify.addHook('onReady', async () => {
    const address = await listener.listen({ host: fastify.config.METRICS_HOST, port })
    fastify.log.info(`metrics at ${address}/metrics`)
  })
  fastify.addHook('onClose', () => listener.close())
}, { name: 'app-metrics', dependencies: ['env', 'metrics', 'db', 'revocations'] })
