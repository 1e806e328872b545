// The Bookly application: external plugins, then our own, then the routes. server.ts and
// test/helper.ts both build it from serverOptions() and this plugin, so tests run what ships.
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import AutoLoad from '@fastify/autoload'
import type { PGlite } from '@electric-sql/pglite'
import type { Config } from './config.js'

export interface AppOptions {
  // Configuration given directly (tests, tools) instead of read from .env and the environment.
  config?: Partial<Config> & Record<string, unknown>
  // A started PGlite to use instead of opening DATA_DIR (tests share one per process).
  pglite?: PGlite
}

const dir = import.meta.dirname

// `stream` lets tests read the log lines; the server logs to stdout.
export function serverOptions (stream?: NodeJS.WritableStream): FastifyServerOptions {
  return {
    logger: {
      level: 'info',
      ...(stream ? { stream } : {}),
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]'
      },
      serializers: {
        // Paths only: a query string may carry anything, tokens included.
        req: (req) => ({ method: req.method, url: req.url.split('?')[0], reqId: req.id, remoteAddress: req.ip })
      }
    },
    bodyLimit: 1024 * 1024,
    // The first start on an empty DATA_DIR runs PGlite's initdb, 8-20 s on a small shared machine.
    pluginTimeout: 60_000,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    ajv: {
      customOptions: {
        // Unknown fields are a 422, not silently dropped.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true
      }
    }
  }
}

export default async function serviceApp (fastify: FastifyInstance, opts: AppOptions) {
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
