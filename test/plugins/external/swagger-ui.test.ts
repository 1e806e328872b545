import { test } from 'tap'
import type { AddressInfo } from 'node:net'
import { generate } from 'selfsigned'
import { build } from '../../helper.js'
import { signupAndLogin } from '../../helpers/fixtures.js'
import { openBrowser } from '../../helpers/browser.js'
import { startTcpProxy } from '../../helpers/tcp-proxy.js'
import { DOCS_CSP, DOCS_PREFIX, OPENAPI_URL } from '../../../plugins/external/swagger-ui.js'

// Not localhost: browsers treat http://localhost as secure, which hid the bug this guards against.
const HOST = 'bookly.test'
type Test = { teardown (fn: () => unknown): void }

const OPERATION_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'])

test('the docs pages\' CSP: their own files only, over the scheme the page came by', async (t) => {
  const app = await build(t)
  for (const url of [DOCS_PREFIX, `${DOCS_PREFIX}/`, `${DOCS_PREFIX}/static/swagger-ui-bundle.js`, `${DOCS_PREFIX}/json`]) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-security-policy'], DOCS_CSP, `${url}: the docs' CSP`)
  }
  t.notMatch(DOCS_CSP, /upgrade-insecure-requests/, 'no scheme upgrade: the page works over plain HTTP on any host')
  t.notMatch(DOCS_CSP, /https?:|\*|unsafe-inline|unsafe-eval|validator\.swagger\.io/, 'no third-party source, nothing inline')
  t.match(DOCS_CSP, /default-src 'self'/)
  t.match(DOCS_CSP, /object-src 'none'/)
  t.match(DOCS_CSP, /frame-ancestors 'none'/)
})

// Over https, Bookly behind a TLS terminator (as behind a load balancer), with a certificate of its own.
async function origin (t: Test, scheme: 'http' | 'https', port: number): Promise<string> {
  if (scheme === 'http') return `http://${HOST}:${port}`
  const pems = await generate([{ name: 'commonName', value: HOST }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: HOST }] }]
  })
  const terminator = await startTcpProxy('127.0.0.1', port, 0, { key: pems.private, cert: pems.cert })
  t.teardown(() => terminator.close())
  return `https://${HOST}:${terminator.port}`
}

for (const scheme of ['http', 'https'] as const) {
  test(`in headless Chromium over ${scheme} on a host name: the docs render, authorize with a real login and run a request`, async (t) => {
    const app = await build(t)
    const user = await signupAndLogin(app)
    const doc = (await app.inject({ url: OPENAPI_URL })).json()
    const operations = Object.values<Record<string, unknown>>(doc.paths)
      .flatMap((item) => Object.keys(item).filter((key) => OPERATION_METHODS.has(key))).length
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = await origin(t, scheme, (app.server.address() as AddressInfo).port)

    // The certificate is the test's own; a real one changes nothing the page does.
    const browser = await openBrowser(t, [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, '--ignore-certificate-errors'])
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
    page.on('pageerror', (err) => problems.push(err.message))
    // Chromium also prints violations to the console; the event names the directive either way.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
    })
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))

    await page.goto(`${base}${DOCS_PREFIX}`)
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 })
    t.equal(await page.locator('.opblock').count(), operations, `all ${operations} operations render`)

    await page.click('.auth-wrapper button.authorize')
    const bearerAuth = page.locator('.auth-container', { hasText: 'bearerAuth' })
    await bearerAuth.locator('input').fill(user.access)
    await bearerAuth.locator('button.authorize').click()
    await page.click('.auth-btn-wrapper button.btn-done')

    const me = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/api/v1/auth/me"]') })
    await me.locator('.opblock-summary').click()
    await me.locator('button.try-out__btn').click()
    await me.locator('button.execute').click()
    const response = me.locator('.live-responses-table .response')
    await response.waitFor({ timeout: 15_000 })
    t.equal((await response.locator('.response-col_status').textContent())?.trim(), '200', 'the page shows 200')
    const shown = JSON.parse(await response.locator('.response-col_description pre').first().textContent() ?? '{}')
    t.match(shown, { uid: user.uid, email: user.email, books: [] }, 'and the signed-in user')

    t.same(problems, [], 'no script error and no CSP violation')
    t.ok(requests.length > 3, `${requests.length} requests`)
    t.same(requests.filter((url) => !url.startsWith(`${base}/`)), [], `every request went to this server over ${scheme}`)
  })
}
