// The fuzz suite: for every route in the served OpenAPI document, requests whose path parameters,
// query strings and bodies come from the route's own schema and from a hostile alphabet, sent with
// no token, a valid one and a forged one. No answer is a 5xx; every 4xx has the error shape and
// stores nothing (row counts of every table, the content of users and books); the admin's own
// account survives every request.
// Seeded: FUZZ_SEED reproduces a run (a failure prints its seed), FUZZ_RUNS sets how many cases in
// all (shared among the routes), FUZZ_ROUTE (e.g. "POST /api/v1/books") fuzzes the routes it names,
// FUZZ_KEEP_GOING=1 reports every failing case instead of stopping at a route's first.
import tap, { test } from 'tap'
import { STATUS_CODES } from 'node:http'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import fc from 'fast-check'
import { sql } from 'kysely'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { build, TEST_SECRET } from '../helper.js'
import { createBook, signupAdmin, signupAndLogin, type LoggedIn } from '../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../helpers/jwt.js'
import { signToken } from '../helpers/keys.js'
import {
  ascii, fromSchema, hostileString, hostileValue, mutated, urlText, asText, toJson, summarise, uuidSpellings, NUMERIC_TEXTS,
  type JsonSchema, type SchemaContext
} from '../helpers/fuzz.js'
import { OPENAPI_URL } from '../../plugins/external/swagger-ui.js'
import { canonicalEmail } from '../../schemas/users.js'

const envInteger = (name: string, fallback: number): number => {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a non-negative integer, not ${value}`)
  return Number(value)
}

const SEED = envInteger('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31))
const RUNS = envInteger('FUZZ_RUNS', 3000)
const ONLY = process.env.FUZZ_ROUTE
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === '1'

// Longer runs (FUZZ_RUNS) get longer than the suite's default file timeout.
tap.setTimeout(Math.max(300_000, RUNS * 150))

interface Parameter { name: string, in: string, schema: JsonSchema }
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
}
interface Route { method: string, path: string, operation: Operation }

type TokenMode = 'none' | 'user' | 'admin' | 'forged'
const FORGERIES = ['another secret', 'alg none', 'tampered payload', 'our key, numeric sid', 'our key, upper-case sub', 'the other kind', 'garbage'] as const
type Forgery = typeof FORGERIES[number]

type Body = { kind: 'none' } | { kind: 'json', value: unknown } | { kind: 'raw', text: string }

interface FuzzCase {
  path: Record<string, string>
  query: string
  body: Body
  contentType: string
  token: TokenMode
  forgery: Forgery
}

const RAW_BODIES = ['', ' ', '{', '{"a":', 'null', '[]', '"x"', 'true', '0', '\u0000', '{"a":1,"a":2}', '{"__proto__":{"role":"admin"}}',
  '{"constructor":{"prototype":{"role":"admin"}}}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', 'NaN', '{"a":1e400}', '[1,']
const OTHER_CONTENT_TYPES = ['application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '']

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function forge (forgery: Forgery, access: string, refresh: string): string {
  const header = jwtHeader(access)
  const claims = jwtClaims(access)
  switch (forgery) {
    case 'another secret': return signToken(header, claims, { secret: 'another secret that is long enough to sign tokens' })
    case 'alg none': return `${b64({ alg: 'none', typ: header.typ })}.${b64(claims)}.`
    case 'tampered payload': {
      const [h, , s] = access.split('.')
      return `${h ?? ''}.${b64({ ...claims, user: { ...claims.user, role: 'admin' } })}.${s ?? ''}`
    }
    case 'our key, numeric sid': return signToken(header, { ...claims, sid: 1 }, { secret: TEST_SECRET })
    case 'our key, upper-case sub': return signToken(header, { ...claims, sub: String(claims.sub).toUpperCase() }, { secret: TEST_SECRET })
    case 'the other kind': return refresh
    case 'garbage': return 'a.b.c'
  }
}

async function routesOf (app: FastifyInstance): Promise<{ routes: Route[], components: Record<string, JsonSchema> }> {
  const doc = (await app.inject({ url: OPENAPI_URL })).json() as {
    paths: Record<string, Record<string, Operation>>
    components?: { schemas?: Record<string, JsonSchema> }
  }
  const routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })))
  return { routes, components: doc.components?.schemas ?? {} }
}

// Row counts of every table and the content of the ones bodies write to, in one query.
async function snapshotter (app: FastifyInstance, admin: string) {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(app.db)
  // A refused login of a known account is recorded on purpose (security events, login_failed).
  const counted = (name: string) => name === 'security_events' ? `"${name}" where type <> 'login_failed'` : `"${name}"`
  const counts = rows.map(({ table_name: name }) => `(select count(*) from ${counted(name)})::int as "rows of ${name}"`)
  const content = (table: string, key: string) =>
    `(select md5(coalesce(string_agg(t::text, '|' order by t.${key}), '')) from ${table} t) as "content of ${table}"`
  const query = sql.raw<Record<string, unknown>>(`select ${[...counts, content('users', 'uid'), content('books', 'uid')].join(', ')},
    (select role || ' ' || coalesce(disabled_at::text, 'enabled') from users where uid = '${admin}') as "the admin"`)
  return async () => {
    const result = await query.execute(app.db)
    return result.rows[0] ?? {}
  }
}

class FuzzFinding extends Error {}

// Whether a JSON body is one the route's schema accepts as it is, without coercion: only such a
// body may succeed. The e-mails are canonicalised first, as the routes that take one do.
function strictBodyCheck (components: Record<string, JsonSchema>) {
  const ajv = new Ajv({ strict: false, coerceTypes: false, useDefaults: true, allErrors: false })
  formats.default(ajv)
  return (schema: JsonSchema) => {
    const validate = ajv.compile({ ...schema, components: { schemas: components } })
    return (text: string): boolean => {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        return false
      }
      for (const field of ['email', 'new_email']) {
        const fields = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {}
        const email = fields[field]
        if (typeof email === 'string') fields[field] = canonicalEmail(email)
      }
      return validate(body)
    }
  }
}

function shapeProblems (res: LightMyRequestResponse): string[] {
  let body: Record<string, unknown>
  try {
    body = res.json()
  } catch {
    return [`a ${res.statusCode} whose body is not JSON: ${summarise(res.body)}`]
  }
  const problems: string[] = []
  if (body.statusCode !== res.statusCode) problems.push(`statusCode ${String(body.statusCode)} in the body of a ${res.statusCode}`)
  if (body.error !== STATUS_CODES[res.statusCode]) problems.push(`error ${summarise(body.error)} for a ${res.statusCode}`)
  if (typeof body.error_code !== 'string' || !/^[a-z]+(_[a-z]+)*$/.test(body.error_code)) problems.push(`error_code ${summarise(body.error_code)}`)
  if (typeof body.message !== 'string') problems.push(`message ${summarise(body.message)}`)
  // DESIGN's 422 lists its failures; until every branch writes them, only their form is checked.
  if (body.errors !== undefined && (res.statusCode !== 422 || !Array.isArray(body.errors))) problems.push(`errors ${summarise(body.errors)} in a ${res.statusCode}`)
  const extra = Object.keys(body).filter((key) => !['statusCode', 'error', 'error_code', 'message', 'errors'].includes(key))
  if (extra.length > 0) problems.push(`fields beyond the error shape: ${extra.join(', ')}`)
  return problems
}

test('fuzz: every route in the OpenAPI document, with schema-made and hostile input', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const admin = await signupAdmin(app)
  const victim = await signupAndLogin(app)
  const books = await Promise.all([1, 2, 3].map(async () => (await createBook(app, user.access)).uid as string))
  const { routes, components } = await routesOf(app)
  t.ok(routes.length >= 20, `the OpenAPI document lists ${routes.length} routes`)
  const strictly = strictBodyCheck(components)
  const snapshot = await snapshotter(app, admin.uid)
  const adminState = (await snapshot())['the admin']

  // An admin's requests may name only the admin itself (refused) and the victim among the known
  // accounts, so the user whose tokens the other cases use stays as it was.
  const contextFor = (route: Route): SchemaContext => ({
    components,
    knownUuids: route.path.startsWith('/api/v1/admin/')
      ? [admin.uid, victim.uid]
      : [user.uid, admin.uid, victim.uid, ...books, String(jwtClaims(user.access).sid)],
    knownEmails: [user.email, admin.email, victim.email]
  })

  const caseOf = (route: Route): fc.Arbitrary<FuzzCase> => {
    const context = contextFor(route)
    const { knownUuids } = context
    const parameters = route.operation.parameters ?? []
    const edgy = { ...context, edgy: true }
    const anyText = (schema: JsonSchema) => fc.oneof(
      { arbitrary: fromSchema(schema, context).map(asText), weight: 2 },
      { arbitrary: fromSchema(schema, edgy).map(asText), weight: 2 },
      { arbitrary: fc.constantFrom(...NUMERIC_TEXTS), weight: schema.type === 'integer' || schema.type === 'number' ? 3 : 0 },
      { arbitrary: hostileString(knownUuids), weight: 2 },
      { arbitrary: fc.constantFrom(...knownUuids).chain((u) => fc.constantFrom(...uuidSpellings(u))), weight: 1 },
      { arbitrary: hostileValue(knownUuids).map(asText), weight: 1 }
    ).chain(urlText)
    const path = fc.record(Object.fromEntries(parameters.filter((p) => p.in === 'path').map((p) => [p.name, anyText(p.schema)])))
    const query = fc.tuple(
      ...parameters.filter((p) => p.in === 'query').map((p) =>
        fc.option(fc.array(anyText(p.schema), { minLength: 1, maxLength: 2 }).map((values) => values.map((v) => `${p.name}=${v}`).join('&')), { nil: undefined, freq: 4 })),
      // A key the route does not declare, now and then: most cases go deeper with the declared ones.
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 3 },
        { arbitrary: fc.tuple(hostileString(knownUuids).chain(urlText), hostileString(knownUuids).chain(urlText)).map(([k, v]) => `${k}=${v}`), weight: 1 })
    ).map((parts) => parts.filter((part) => part !== undefined).join('&'))
    const bodySchema = route.operation.requestBody?.content['application/json']?.schema
    const hostileBodies: Array<fc.WeightedArbitrary<Body>> = [
      { arbitrary: hostileValue(knownUuids).map((value) => ({ kind: 'json', value })), weight: 2 },
      { arbitrary: fc.constantFrom(...RAW_BODIES).map((text) => ({ kind: 'raw', text })), weight: 1 }
    ]
    const body: fc.Arbitrary<Body> = bodySchema === undefined
      ? route.method === 'GET'
        ? fc.constant({ kind: 'none' })
        : fc.oneof({ arbitrary: fc.constant({ kind: 'none' as const }), weight: 4 }, ...hostileBodies)
      : fc.oneof(
        { arbitrary: fromSchema(bodySchema, context).map((value) => ({ kind: 'json' as const, value })), weight: 2 },
        { arbitrary: fromSchema(bodySchema, edgy).map((value) => ({ kind: 'json' as const, value })), weight: 4 },
        { arbitrary: mutated(fromSchema(bodySchema, context), context, Object.keys(bodySchema.properties ?? {})).map((value) => ({ kind: 'json' as const, value })), weight: 4 },
        { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
        ...hostileBodies
      )
    return fc.record({
      path,
      query,
      body,
      contentType: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 9 }, { arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES), weight: 1 }),
      // Mostly tokens that pass the route's guard, so most cases reach its handler.
      token: route.path.startsWith('/api/v1/admin/')
        ? fc.constantFrom<TokenMode>('none', 'user', 'admin', 'admin', 'admin', 'forged')
        : fc.constantFrom<TokenMode>('none', 'user', 'user', 'user', 'admin', 'forged'),
      forgery: fc.constantFrom(...FORGERIES)
    })
  }

  // A session of its own for each case that sends a valid token: a case may end its session.
  const tokenFor = async (route: Route, c: FuzzCase): Promise<string | undefined> => {
    if (c.token === 'none') return undefined
    if (c.token === 'forged') return forge(c.forgery, user.access, user.refresh)
    const owner: LoggedIn = c.token === 'admin' ? admin : user
    const row = await app.usersRepository.findByUid(owner.uid)
    const pair = row === undefined ? undefined : (await app.sessionService.open(row, { ip: '127.0.0.1' }))?.tokens
    if (pair === undefined) throw new Error(`the ${c.token} account can no longer log in`)
    return route.path.endsWith('/refresh_token') ? pair.refresh_token : pair.access_token
  }

  const describe = (route: Route, url: string, c: FuzzCase) => [
    `${route.method} ${summarise(url, 300)}`,
    `token: ${c.token === 'forged' ? `forged (${c.forgery})` : c.token}`,
    `content-type: ${c.contentType}`,
    `body: ${c.body.kind === 'none' ? 'none' : summarise(c.body.kind === 'raw' ? c.body.text : toJson(c.body.value), 300)}`
  ].join(' | ')

  const selected = routes.filter((route) => ONLY === undefined || ONLY.split(',').includes(`${route.method} ${route.path}`))
  t.ok(selected.length > 0, 'FUZZ_ROUTE names routes of the document')
  const runsPerRoute = Math.max(1, Math.ceil(RUNS / Math.max(1, selected.length)))

  for (const route of selected) {
    await t.test(`${route.method} ${route.path}`, async (t) => {
      const kept: string[] = []
      const statuses = new Map<number, number>()
      const bodySchema = route.operation.requestBody?.content['application/json']?.schema
      const accepts = bodySchema === undefined ? undefined : strictly(bodySchema)
      const property = fc.asyncProperty(caseOf(route), async (c) => {
        const url = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => c.path[name] ?? '') + (c.query === '' ? '' : `?${c.query}`)
        const token = await tokenFor(route, c)
        const headers: Record<string, string> = { 'content-type': c.contentType }
        if (token !== undefined) headers.authorization = `Bearer ${token}`
        const payload = c.body.kind === 'none' ? undefined : c.body.kind === 'raw' ? c.body.text : toJson(c.body.value)
        const before = await snapshot()
        const res = await app.inject({ method: route.method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })
        // The mail routes work after their answer: what a case stored is known once that is done.
        await app.afterAnswer.settled()
        const after = await snapshot()
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        const problems: string[] = []
        if (res.statusCode >= 500) problems.push(`answered ${res.statusCode}: ${summarise(res.body)}`)
        else if (res.statusCode >= 400) {
          problems.push(...shapeProblems(res))
          const changed = Object.keys(before).filter((key) => key !== 'the admin' && before[key] !== after[key])
          if (changed.length > 0) problems.push(`a ${res.statusCode} (${summarise(res.body)}) changed the ${changed.join(', ')}`)
        }
        if (res.statusCode < 400 && accepts !== undefined && !accepts(payload ?? '')) {
          problems.push(`a ${res.statusCode} for a body its schema refuses without coercion`)
        }
        if (token !== undefined && res.body.includes(token)) problems.push('the answer echoes the token')
        if (after['the admin'] !== adminState) problems.push(`the admin's own account became ${String(after['the admin'])} (answer ${res.statusCode})`)
        if (problems.length === 0) return
        const finding = `${problems.join('; ')} | ${describe(route, url, c)}`
        if (!KEEP_GOING) throw new FuzzFinding(finding)
        kept.push(finding)
      })
      // No shrinking: the app's state moves on with every case, so a smaller case is no replay.
      const details = await fc.check(property, { seed: SEED, numRuns: runsPerRoute, endOnFailure: true })
      t.comment(`answers: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${n}× ${status}`).join(', ')}`)
      if (details.failed) {
        const { errorInstance: e } = details
        // A finding is reported by its message; anything else (a bug of the suite) by its stack.
        const error = e instanceof FuzzFinding ? e.message : e instanceof Error ? e.stack : String(e)
        t.fail(ascii(`case ${details.numRuns} of ${route.method} ${route.path} failed (FUZZ_SEED=${SEED} FUZZ_ROUTE="${route.method} ${route.path}"): ${error}`))
      } else {
        for (const finding of kept) t.fail(ascii(`${route.method} ${route.path} (FUZZ_SEED=${SEED}): ${finding}`))
        t.pass(`${details.numRuns} cases (FUZZ_SEED=${SEED})`)
      }
    })
  }
})
