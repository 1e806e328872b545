// examples/typed-client/client.ts, which `npm run openapi:client` compiles under tsc --strict against
// types generated from the served document, calls every operation that document lists.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { build } from '../helper.js'
import { OPENAPI_URL } from '../../plugins/external/swagger-ui.js'

const client = join(import.meta.dirname, '../../examples/typed-client/client.ts')

test('the typed client calls every documented operation, and only those', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: OPENAPI_URL })).json<{ paths: Record<string, object> }>()
  const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
  const called = [...readFileSync(client, 'utf8').matchAll(/api\.(GET|POST|PUT|PATCH|DELETE)\('([^']+)'/g)].map(([, method, path]) => `${method} ${path}`)
  t.ok(documented.length >= 20, `${documented.length} operations documented`)
  t.same([...new Set(called)].sort(), documented.sort())
})
