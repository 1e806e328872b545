// npm run openapi writes the document exactly as a server serves it.
import { test } from 'tap'
import { build } from '../helper.js'
import { servedOpenApiDocument } from '../../cli/openapi.js'
import { OPENAPI_URL } from '../../plugins/external/swagger-ui.js'

test('the written document is the served one', async (t) => {
  const app = await build(t)
  const served = (await app.inject({ method: 'GET', url: OPENAPI_URL })).json()
  t.same(await servedOpenApiDocument(), served)
})
