// Builds the app exactly as server.ts does, with configuration passed in, on a database
// of its own: PGlite in memory (one per test process), or a fresh PostgreSQL database per
// test file when TEST_DATABASE_URL is set.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type LightMyRequestResponse, type RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import tap from 'tap'
import { PGlite } from '@electric-sql/pglite'
import serviceApp, { serverOptions, type AppOptions } from '../app.js'
import { connect } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import type { Config } from '../config/schema.js'
import { createScratchDatabase } from './helpers/scratch-database.js'

// Subtests and the root tap object alike: all build() needs is teardown.
type Test = Pick<typeof tap, 'teardown'>

export const TEST_SECRET = randomBytes(32).toString('hex')
export const PASSWORD = 'correct horse battery staple'

const adminUrl = process.env.TEST_DATABASE_URL ?? ''
export const onPostgres = adminUrl !== ''

let pglite: Promise<PGlite> | undefined
let databaseUrl: Promise<string> | undefined

// A new, empty PostgreSQL database, dropped when the test process ends.
export async function freshPostgresDatabase (): Promise<string> {
  const { url, drop } = await createScratchDatabase(adminUrl, 'bookly_test')
  tap.teardown(drop)
  return url
}

// Starting PGlite and migrating costs seconds; loading a migrated data directory, well under
// one. The first test process writes it, keyed by the migrations' source and PGlite's version
// (a data directory opens only in the PostgreSQL major version that wrote it), for the others.
async function startMigratedPglite (): Promise<PGlite> {
  const migrationsDir = join(import.meta.dirname, '../db/migrations')
  const digest = createHash('sha256')
  digest.update(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))))
  for (const file of readdirSync(migrationsDir).sort()) digest.update(readFileSync(join(migrationsDir, file)))
  const template = join(tmpdir(), `bookly-pglite-${digest.digest('hex').slice(0, 16)}.tar`)
  if (existsSync(template)) {
    return PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) })
  }
  const db = await PGlite.create('memory://')
  await migrateToLatest((await connect({ databaseUrl: '', dataDir: '', pglite: db })).db)
  const dump = await db.dumpDataDir('none')
  const partial = `${template}.${process.pid}`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, template)
  return db
}

async function sharedDatabase (): Promise<Pick<AppOptions, 'pglite'> & { DATABASE_URL: string }> {
  if (onPostgres) {
    databaseUrl ??= freshPostgresDatabase()
    return { DATABASE_URL: await databaseUrl }
  }
  if (pglite === undefined) {
    pglite = startMigratedPglite()
    tap.teardown(async () => (await pglite)?.close())
  }
  return { DATABASE_URL: '', pglite: await pglite }
}

// Abuse limits and the hashing queue are raised so functional tests never hit them; the tests
// of those limits lower them again.
export function testConfig (overrides: Partial<Config> = {}): Partial<Config> & Pick<Config, 'LOG_LEVEL' | 'LOG_PRETTY' | 'TRUST_PROXY'> {
  return {
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    LOG_PRETTY: false,
    TRUST_PROXY: '',
    AUTH_RATE_LIMIT: 100_000,
    SIGNUP_RATE_LIMIT: 100_000,
    CHANGE_PASSWORD_RATE_LIMIT: 100_000,
    LOGIN_FAILURES_PER_ACCOUNT: 100_000,
    HASH_QUEUE: 100_000,
    // PGlite runs on the test's own event loop; load shedding is tested on its own.
    MAX_EVENT_LOOP_DELAY: 0,
    MAX_EVENT_LOOP_UTILIZATION: 0,
    ...overrides
  }
}

export interface BuildOptions {
  config?: Partial<Config> & Record<string, unknown>
  // Collects every log line the app writes (LOG_LEVEL defaults to silent otherwise).
  logLines?: string[]
  // Use this database instead of the test process's shared one.
  database?: Pick<AppOptions, 'pglite'> & { DATABASE_URL: string }
  // Runs after the app is registered and before it is ready, e.g. to add a probe route.
  setup?: (app: FastifyInstance) => void
  // Sees every route as it is registered (before the app's own plugins load).
  onRoute?: (route: RouteOptions) => void
}

export async function build (t: Test, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const { pglite, DATABASE_URL } = opts.database ?? await sharedDatabase()
  const stream = opts.logLines === undefined
    ? undefined
    : new Writable({ write (chunk, _enc, done) { opts.logLines?.push(String(chunk)); done() } })
  const config = testConfig({ DATABASE_URL, ...(opts.logLines ? { LOG_LEVEL: 'trace' } : {}), ...opts.config })
  const app = Fastify(serverOptions(config, stream))
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute)
  await app.register(fp(serviceApp), { config, pglite })
  opts.setup?.(app)
  await app.ready()
  t.teardown(() => app.close())
  return app
}

let counter = 0
export function uniqueEmail (prefix = 'user'): string {
  return `${prefix}${process.pid}n${++counter}${randomBytes(3).toString('hex')}@example.com`
}

export function signupBody (overrides: Record<string, unknown> = {}) {
  return {
    username: 'reader',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: uniqueEmail(),
    password: PASSWORD,
    ...overrides
  }
}

export interface LoggedIn {
  email: string
  uid: string
  access: string
  refresh: string
}

export async function signupAndLogin (app: FastifyInstance, overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<LoggedIn> {
  const body = signupBody(overrides)
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  if (signup.statusCode !== 201) throw new Error(`signup failed: ${signup.body}`)
  return login(app, body.email, body.password, headers)
}

export async function login (app: FastifyInstance, email: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<LoggedIn> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers })
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`)
  const body = res.json()
  return { email, uid: body.user.uid, access: body.access_token, refresh: body.refresh_token }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

export function errorCode (res: LightMyRequestResponse): string {
  return res.json().error_code
}

// A signed-up user made admin in the database, then logged in again so the token carries the role.
export async function signupAdmin (app: FastifyInstance): Promise<LoggedIn> {
  const user = await signupAndLogin(app)
  await app.db.updateTable('users').set({ role: 'admin' }).where('uid', '=', user.uid).execute()
  return login(app, user.email)
}

export function bookBody (overrides: Record<string, unknown> = {}) {
  return {
    title: 'Think Python',
    author: 'Allen B. Downey',
    publisher: "O'Reilly Media",
    published_date: '2021-01-01',
    page_count: 1234,
    language: 'English',
    ...overrides
  }
}

export async function createBook (app: FastifyInstance, token: string, overrides: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/books', headers: bearer(token), payload: bookBody(overrides) })
  if (res.statusCode !== 201) throw new Error(`creating a book failed: ${res.body}`)
  return res.json()
}

export interface TcpProxy {
  port: number
  // Stops listening and cuts every connection, as a server going away would.
  close (): Promise<void>
}

// A TCP proxy in front of a real server (PostgreSQL, Redis) that a test can cut and restore.
export async function startTcpProxy (host: string, targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => { client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    async close () {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const socket of sockets) socket.destroy()
      await closed
    }
  }
}
