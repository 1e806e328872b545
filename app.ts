// The Bookly application: external plugins, then our own, then the routes. server.ts and
// test/helpers/build-app.ts both build it from serverOptions() and this plugin, so tests run what ships.
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { FastifyHttpOptions, FastifyInstance } from 'fastify'
import AutoLoad from '@fastify/autoload'
import type { PGlite } from '@electric-sql/pglite'
import type { Config } from './config/schema.js'
import { clientErrorHandler, frameworkErrors } from './plugins/app/http/client-errors.js'
import { buildValidator } from './plugins/app/http/validation.js'
import { buildSerializer } from './plugins/app/http/serialization.js'

export interface AppOptions {
  // Validated by config/load.ts: from the environment (server.ts) or from a test's values.
  config: Config
  // A started PGlite to use instead of opening DATA_DIR (tests share one per process).
  pglite?: PGlite
}

const dir = import.meta.dirname

// Request and response fields that may carry a secret; the req serializer already drops headers.
const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie',
  'password', 'current_password', 'new_password', 'password_hash', 'access_token', 'refresh_token', 'token',
  '*.password', '*.current_password', '*.new_password', '*.password_hash', '*.access_token', '*.refresh_token', '*.token'
]

// One-time tokens travel in some paths (43 URL-safe characters); any run this long is logged as
// [redacted], matched route or not. Ids in paths (UUIDs, 36 characters) stay readable.
const SECRET_IN_PATH = /[A-Za-z0-9_-]{40,}/g

export function loggedPath (url: string): string {
  return (url.split('?')[0] ?? '').replace(SECRET_IN_PATH, '[redacted]')
}

export type LoggingConfig = Pick<Config, 'LOG_LEVEL' | 'LOG_PRETTY' | 'TRUST_PROXY'>
export type ServerConfig = LoggingConfig & Pick<Config, 'REQUEST_TIMEOUT' | 'HEADERS_TIMEOUT' | 'KEEP_ALIVE_TIMEOUT'>

function trustProxy (value: string): boolean | string[] {
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  return value.split(',').map((address) => address.trim())
}

// Node checks the request and headers timeouts only every connectionsCheckingInterval (30 s by
// default): a quarter of the shorter one keeps them within a quarter of their value.
function timeouts (config: ServerConfig) {
  const headersTimeout = Math.min(config.HEADERS_TIMEOUT, config.REQUEST_TIMEOUT)
  return {
    requestTimeout: config.REQUEST_TIMEOUT,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT,
    http: { requestTimeout: config.REQUEST_TIMEOUT, headersTimeout, connectionsCheckingInterval: Math.max(1, Math.floor(headersTimeout / 4)) }
  }
}

// `stream` lets tests read the log lines; the server logs to stdout, as JSON unless LOG_PRETTY.
export function serverOptions (config: ServerConfig, stream?: NodeJS.WritableStream): FastifyHttpOptions<Server> {
  const destination = stream
    ? { stream }
    : config.LOG_PRETTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } } : {}
  return {
    logger: {
      level: config.LOG_LEVEL,
      ...destination,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // Paths only: a query string may carry anything, tokens included; and no token in the path either.
        req: (req) => ({ method: req.method, url: loggedPath(req.url), reqId: req.id, remoteAddress: req.ip })
      }
    },
    trustProxy: trustProxy(config.TRUST_PROXY),
    ...timeouts(config),
    // Malformed HTTP and unroutable URLs, answered outside the request lifecycle, in the same shape.
    clientErrorHandler,
    frameworkErrors,
    // The first start on an empty DATA_DIR initialises a PGlite cluster, which takes longer than Fastify's 10 s default.
    pluginTimeout: 60_000,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    // Requests that arrive while the server closes: plugins/app/http/draining.ts answers them.
    return503OnClosing: false,
    // Strict JSON bodies, text parts coerced into finite values only (plugins/app/http/validation.ts);
    // validators and serializers compiled once per process (and plugins/app/http/serialization.ts).
    schemaController: { compilersFactory: { buildValidator, buildSerializer } }
  }
}

export default async function serviceApp (fastify: FastifyInstance, opts: AppOptions) {
  // A JSON API: any other body is 415, not a string handed to JSON schemas.
  fastify.removeContentTypeParser('text/plain')
  await fastify.register(AutoLoad, {
    dir: join(dir, 'plugins/external'),
    options: opts
  })
  await fastify.register(AutoLoad, {
    dir: join(dir, 'plugins/app'),
    options: opts
  })
  await fastify.register(AutoLoad, {
    dir: join(dir, 'routes'),
    autoHooks: true,
    cascadeHooks: true,
    options: opts
  })
}
