import { readFile } from 'node:fs/promises'
import { test } from 'tap'
import type { RouteOptions } from 'fastify'
import { build } from '../../helper.js'
import { signupAndLogin, bearer } from '../../helpers/fixtures.js'
import { DOCS_CSP, DOCS_PREFIX, OPENAPI_URL } from '../../../plugins/external/swagger-ui.js'
import { RESET_PAGE_PATH } from '../../../schemas/account-email.js'
import { ERROR_CODES } from '../../../plugins/app/http/errors.js'
import { openApiPath } from '../../helpers/documented-statuses.js'

// The docs' own routes, the reset page's files, HEAD twins of GET routes and CORS preflight are not API operations.
const isApiOperation = (url: string, method: string) =>
  method !== 'HEAD' && method !== 'OPTIONS' && url !== OPENAPI_URL && !url.startsWith(DOCS_PREFIX) && !url.startsWith(RESET_PAGE_PATH)

test('every registered route is in the OpenAPI document with all its responses', async (t) => {
  const routes: RouteOptions[] = []
  const app = await build(t, { onRoute: (route) => { routes.push(route) } })
  const res = await app.inject({ method: 'GET', url: OPENAPI_URL })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.1.0')
  const { license } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { license: string }
  t.same(doc.info.license, { name: license, identifier: license }, "the document names package.json's licence")
  t.match(await readFile(new URL('../../../LICENSE', import.meta.url), 'utf8'), /^MIT License\n/, 'the LICENSE file is that licence')
  t.match(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
  t.match(doc.components.schemas.Error, { required: ['statusCode', 'error', 'error_code', 'message'] })

  const operations = routes.flatMap((route) => [route.method].flat()
    .filter((method) => isApiOperation(route.url, method))
    .map((method) => ({ method, route })))
  t.ok(operations.length >= 10, `${operations.length} operations found`)

  for (const { method, route } of operations) {
    const name = `${method} ${route.url}`
    const operation = doc.paths[openApiPath(route.url)]?.[method.toLowerCase()]
    t.ok(operation, `${name} is documented`)
    if (!operation) continue
    const declared = Object.keys((route.schema?.response ?? {}) as object)
    t.ok(declared.some((status) => Number(status) < 400), `${name} declares its success response`)
    const documented = Object.keys(operation.responses)
    t.same(documented.sort(), declared.sort(), `${name} documents every declared status`)
    for (const status of ['500', '503']) t.ok(documented.includes(status), `${name} documents ${status}`)
    for (const status of documented.filter((s) => Number(s) >= 400)) {
      t.same(operation.responses[status].content['application/json'].schema, { $ref: '#/components/schemas/Error' },
        `${name} ${status} has the error shape`)
    }
    if (route.url.startsWith('/api/v1/auth/') && route.config?.perIpAuthLimit !== false) {
      t.ok(documented.includes('429'), `${name} documents 429`)
    }
    if (route.schema?.body) t.ok(operation.requestBody?.content['application/json'].schema, `${name} documents its body`)
    t.same(operation.security, route.schema?.security, `${name} says which token it takes, if any`)
  }
})

// An operation as the document describes it, for the checks a client author's tools make.
interface Operation {
  operationId?: string
  summary?: string
  description?: string
  tags?: string[]
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ in: string, name: string, required: boolean, schema: { default?: unknown } }>
  requestBody?: { content: Record<string, { schema: object }> }
  responses: Record<string, { description: string, headers?: Record<string, unknown>, content?: Record<string, { schema: object }> }>
}

const operationsOf = (doc: { paths: Record<string, Record<string, Operation>> }) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, method, path, operation })))

// A schema that names a component, directly or as the items of a list.
const namesComponent = (schema: { $ref?: string, type?: string, items?: { $ref?: string } } | undefined) =>
  /^#\/components\/schemas\/[A-Za-z]+$/.test(schema?.$ref ?? (schema?.type === 'array' ? schema.items?.$ref ?? '' : ''))

test('the document is what client generators need: names, ids, descriptions, security', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: OPENAPI_URL })).json()
  t.same(doc.servers, [{ url: '/', description: 'This server' }], 'a relative server: whatever host the document came from')
  for (const name of ['Error', 'Book', 'BookCreateBody', 'BookUpdateBody', 'User', 'Me', 'AdminUser', 'TokenPair', 'LoginResponse', 'Session', 'Message', 'SignupBody', 'LoginBody', 'JwkSet']) {
    t.ok(doc.components.schemas[name], `components.schemas.${name}`)
  }
  t.same(doc.components.schemas.Error.properties.error_code.enum, ERROR_CODES, 'error_code lists the codes of the one table')
  t.match(doc.components.securitySchemes.refreshToken, { type: 'http', scheme: 'bearer', description: /refresh token/ })

  const operations = operationsOf(doc)
  const ids = operations.map(({ operation }) => operation.operationId)
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  const declaredTags = new Set<string>(doc.tags.map((tag: { name: string }) => tag.name))
  for (const { name, method, operation } of operations) {
    t.match(operation.operationId, /^[a-z][A-Za-z]+$/, `${name} has a camelCase operationId`)
    t.ok(operation.summary, `${name} has a summary`)
    t.ok(operation.description, `${name} has a description`)
    t.ok(operation.tags?.length === 1 && declaredTags.has(operation.tags[0] ?? ''), `${name} has one declared tag`)
    t.ok(Array.isArray(operation.security), `${name} says which token it takes, or none`)
    for (const [status, response] of Object.entries(operation.responses)) {
      t.ok(response.description !== '' && response.description !== 'Default Response', `${name} ${status} is described`)
      const schema = response.content?.['application/json']?.schema
      if (schema !== undefined) t.ok(namesComponent(schema), `${name} ${status} answers a named schema`)
      if (status === '429' || status === '503') t.ok(response.headers?.['Retry-After'], `${name} ${status} documents Retry-After`)
    }
    const body = operation.requestBody?.content['application/json']?.schema
    if (body !== undefined) t.ok(namesComponent(body), `${name} takes a named schema`)
    if (['post', 'patch', 'put', 'delete'].includes(method)) {
      for (const status of ['400', '413', '415']) t.ok(operation.responses[status], `${name} documents ${status}`)
    }
    if ((operation.security?.length ?? 0) > 0) t.ok(operation.responses['400'], `${name} takes a token, so documents 400 (several Authorization headers)`)
    for (const parameter of operation.parameters ?? []) {
      if (parameter.schema.default !== undefined) t.equal(parameter.required, false, `${name} ${parameter.name} has a default, so it is optional`)
    }
  }
  const refresh = operations.find(({ operation }) => operation.operationId === 'refreshToken')?.operation
  t.same(refresh?.security, [{ refreshToken: [] }], 'the refresh route takes the refresh token')
  t.same(operations.filter(({ operation }) => JSON.stringify(operation.security).includes('refreshToken')).length, 1, 'and only it')
  const listBooks = operations.find(({ operation }) => operation.operationId === 'listBooks')?.operation
  t.same(listBooks?.parameters?.map((p) => [p.name, p.required]), [['limit', false], ['offset', false]])
})

test('the interactive docs are served with their own CSP; the API keeps helmet\'s', async (t) => {
  const app = await build(t)
  const ui = await app.inject({ method: 'GET', url: DOCS_PREFIX })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
  t.equal(ui.headers['content-security-policy'], DOCS_CSP)
  const script = await app.inject({ method: 'GET', url: `${DOCS_PREFIX}/static/swagger-initializer.js` })
  t.equal(script.statusCode, 200)
  t.match(script.body, /\.\/json/)

  const api = await app.inject({ method: 'GET', url: '/health' })
  t.equal(api.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'")
  t.equal(api.headers['x-content-type-options'], 'nosniff')
})

test('the request examples in the document pass the routes\' validation', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: OPENAPI_URL })).json()
  const user = await signupAndLogin(app)
  let tried = 0
  // Bodies are named schemas, and their examples are on the schema (OpenAPI 3.1: an `examples` array).
  const schemaOf = (ref: string | undefined): { examples?: unknown[] } | undefined => doc.components.schemas[ref?.split('/').pop() ?? '']
  for (const { name, path, method, operation } of operationsOf(doc)) {
    const ref = (operation.requestBody?.content['application/json']?.schema as { $ref?: string } | undefined)?.$ref
    for (const value of schemaOf(ref)?.examples ?? []) {
      tried++
      const res = await app.inject({ method: method.toUpperCase() as 'POST', url: path, payload: value as object, headers: bearer(user.access) })
      t.notOk([400, 422].includes(res.statusCode), `${name} example is valid (${res.statusCode} ${res.json().error_code ?? ''})`)
    }
  }
  t.ok(tried >= 3, `${tried} examples tried`)
})
