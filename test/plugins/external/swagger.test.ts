import { test } from 'tap'
import type { RouteOptions } from 'fastify'
import { build } from '../../helper.js'
import { signupAndLogin, bearer } from '../../helpers/fixtures.js'
import { DOCS_CSP, DOCS_PREFIX, OPENAPI_URL } from '../../../plugins/external/swagger-ui.js'
import { RESET_PAGE_PATH } from '../../../schemas/account-email.js'

// Fastify's `/sessions/:sid` is OpenAPI's `/sessions/{sid}`.
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

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
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
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
    if (route.schema?.security) t.same(operation.security, [{ bearerAuth: [] }], `${name} names bearerAuth`)
  }
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
  type Media = { example?: unknown, examples?: Record<string, { value: unknown }> }
  for (const [path, operations] of Object.entries<Record<string, { requestBody?: { content: Record<string, Media> } }>>(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const media = operation.requestBody?.content['application/json']
      const examples = [...(media?.example ? [media.example] : []), ...Object.values(media?.examples ?? {}).map((e) => e.value)]
      for (const value of examples) {
        tried++
        const res = await app.inject({ method: method.toUpperCase() as 'POST', url: path, payload: value as object, headers: bearer(user.access) })
        t.notOk([400, 422].includes(res.statusCode), `${method.toUpperCase()} ${path} example is valid (${res.statusCode} ${res.json().error_code ?? ''})`)
      }
    }
  }
  t.ok(tried >= 3, `${tried} examples tried`)
})
