// Builds the app exactly as server.ts does, from serverOptions() and the app plugin, with its
// configuration given as values and validated by the same loader, on the test process's database
// (test/helpers/databases.ts), and closes it when the test ends.
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import tap from 'tap'
import serviceApp, { serverOptions } from '../app.js'
import { parseConfig } from '../config/load.js'
import type { Config } from '../config/schema.js'
import { sharedDatabase, type TestDatabase } from './helpers/databases.js'

export { onPostgres } from './helpers/databases.js'

// Subtests and the root tap object alike: all build() needs is teardown.
type Test = Pick<typeof tap, 'teardown'>

export const TEST_SECRET = randomBytes(32).toString('hex')

// Configuration values as a test gives them: anything the environment could say.
export type ConfigValues = Partial<Record<keyof Config, unknown>>

// With no SMTP_URL the app writes each mail under DATA_DIR/outbox/: a directory of the test process's own.
let dataDir: string | undefined
function testDataDir (): string {
  if (dataDir === undefined) {
    const dir = dataDir = mkdtempSync(join(tmpdir(), 'bookly-test-data-'))
    tap.teardown(() => rmSync(dir, { recursive: true, force: true }))
  }
  return dataDir
}

// Abuse limits and the hashing wait are raised so functional tests never hit them; the tests
// of those limits lower them again.
export function testConfig (overrides: ConfigValues = {}): Config {
  return parseConfig({
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    LOG_PRETTY: false,
    TRUST_PROXY: '',
    AUTH_RATE_LIMIT: 100_000,
    SIGNUP_RATE_LIMIT: 100_000,
    CHANGE_PASSWORD_RATE_LIMIT: 100_000,
    LOGIN_FAILURES_PER_ACCOUNT: 100_000,
    MAIL_REQUESTS_PER_ADDRESS: 100_000,
    MAIL_REQUESTS_PER_IP: 100_000,
    HASH_MAX_WAIT_MS: 600_000,
    DATA_DIR: testDataDir(),
    // PGlite runs on the test's own event loop; load shedding is tested on its own.
    MAX_EVENT_LOOP_DELAY: 0,
    MAX_EVENT_LOOP_UTILIZATION: 0,
    ...overrides
  })
}

// BOOKLY_STATUS_LOG=<file>: every answer of a route is appended to the file as a JSON line
// {method, route, status}, from every test process, for test/helpers/documented-statuses.ts to hold
// against the OpenAPI document once the suite is done.
const statusLog = process.env.BOOKLY_STATUS_LOG
export type StatusRecord = { method: string, route: string, status: number }

function recordStatuses (app: FastifyInstance, record: (entry: StatusRecord) => void): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url
    if (route !== undefined) record({ method: request.method, route, status: reply.statusCode })
    done()
  })
}

export interface BuildOptions {
  config?: ConfigValues
  // Collects every log line the app writes (LOG_LEVEL defaults to silent otherwise).
  logLines?: string[]
  // Use this database instead of the test process's shared one.
  database?: TestDatabase
  // Runs after the app is registered and before it is ready, e.g. to add a probe route.
  setup?: (app: FastifyInstance) => void
  // Sees every route as it is registered (before the app's own plugins load).
  onRoute?: (route: RouteOptions) => void
  // Sees the method, route and status of every answer of a route.
  onAnswer?: (entry: StatusRecord) => void
}

export async function build (t: Test, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const { pglite, DATABASE_URL } = opts.database ?? await sharedDatabase()
  const stream = opts.logLines === undefined
    ? undefined
    : new Writable({ write (chunk, _enc, done) { opts.logLines?.push(String(chunk)); done() } })
  const config = testConfig({ DATABASE_URL, ...(opts.logLines ? { LOG_LEVEL: 'trace' } : {}), ...opts.config })
  const app = Fastify(serverOptions(config, stream))
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute)
  if (statusLog) recordStatuses(app, (entry) => appendFileSync(statusLog, `${JSON.stringify(entry)}\n`))
  if (opts.onAnswer) recordStatuses(app, opts.onAnswer)
  await app.register(fp(serviceApp), { config, pglite })
  opts.setup?.(app)
  await app.ready()
  t.teardown(() => app.close())
  return app
}
