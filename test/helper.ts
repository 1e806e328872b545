// Builds the app exactly as src/server.ts does, with configuration passed in, on a database
// of its own: PGlite in memory (one per test process), or a fresh PostgreSQL database per
// test file when TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import fp from 'fastify-plugin'
import tap from 'tap'
import { PGlite } from '@electric-sql/pglite'
import serviceApp, { serverOptions, type AppOptions } from '../src/app.js'
import type { Config } from '../src/config.js'
import { createScratchDatabase } from '../src/db/scratch-database.js'

// All build() needs of a test; a subtest's type is not tap's root type.
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

async function sharedDatabase (): Promise<Pick<AppOptions, 'pglite'> & { DATABASE_URL: string }> {
  if (onPostgres) {
    databaseUrl ??= freshPostgresDatabase()
    return { DATABASE_URL: await databaseUrl }
  }
  if (pglite === undefined) {
    pglite = PGlite.create('memory://')
    tap.teardown(async () => (await pglite)?.close())
  }
  return { DATABASE_URL: '', pglite: await pglite }
}

export function testConfig (overrides: Partial<Config> = {}): Partial<Config> {
  return { JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...overrides }
}

export interface BuildOptions {
  config?: Partial<Config> & Record<string, unknown>
  // Collects every log line the app writes (LOG_LEVEL defaults to silent otherwise).
  logLines?: string[]
  // Use this database instead of the test process's shared one.
  database?: Pick<AppOptions, 'pglite'> & { DATABASE_URL: string }
}

export async function build (t: Test, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const { pglite, DATABASE_URL } = opts.database ?? await sharedDatabase()
  const stream = opts.logLines === undefined
    ? undefined
    : new Writable({ write (chunk, _enc, done) { opts.logLines?.push(String(chunk)); done() } })
  const app = Fastify(serverOptions(stream))
  await app.register(fp(serviceApp), {
    config: testConfig({ DATABASE_URL, ...(opts.logLines ? { LOG_LEVEL: 'trace' } : {}), ...opts.config }),
    pglite
  })
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
