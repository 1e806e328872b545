import { test } from 'tap'
import type { AddressInfo } from 'node:net'
import { buildWithInbox } from '../../helpers/mail.js'
import { tokenIn, linkIn } from '../../helpers/smtp.js'
import { openBrowser } from '../../helpers/browser.js'
import { bearer, errorCode, login, signupAndLogin, PASSWORD } from '../../helpers/fixtures.js'
import { RESET_PAGE_CSP } from '../../../routes/reset-password/index.js'

const files = [
  ['/reset-password', /text\/html/],
  ['/reset-password/', /text\/html/],
  ['/reset-password/reset-password.js', /javascript/],
  ['/reset-password/reset-password.css', /text\/css/]
] as const

test('the reset page and its files: their own strict CSP, the API keeps helmet\'s', async (t) => {
  const { app } = await buildWithInbox(t)
  for (const [url, type] of files) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], type, `${url}: content type`)
    t.equal(res.headers['content-security-policy'], RESET_PAGE_CSP, `${url}: the page's CSP`)
    t.equal(res.headers['referrer-policy'], 'no-referrer')
    t.equal(res.headers['x-frame-options'], 'DENY')
    t.equal(res.headers['cache-control'], 'no-store')
  }
  const page = await app.inject({ url: '/reset-password' })
  t.notMatch(page.body, /<script>|<style|\sstyle=|\son\w+=/i, 'no inline script or style')
  t.notMatch(page.body, /(src|href)="(https?:)?\/\//, 'no third-party asset')
  t.match(RESET_PAGE_CSP, /default-src 'none'/)
  t.notMatch(RESET_PAGE_CSP, /unsafe-inline|unsafe-eval|\*|https?:/)
  const api = await app.inject({ url: '/api/v1/auth/me' })
  t.equal(api.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", 'API routes keep the API policy')
  t.equal((await app.inject({ url: '/reset-password/nothing.js' })).statusCode, 404)
})

test('in headless Chromium, the page from the mail\'s link completes a reset', async (t) => {
  const logLines: string[] = []
  const { app, inbox } = await buildWithInbox(t, {}, { logLines })
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: user.email } })
  const mail = (await inbox.waitForMessages(2))[1]!
  const token = tokenIn(mail)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  // The mail's own link, on the port this test's server listens on.
  const link = new URL(linkIn(mail))
  link.host = `127.0.0.1:${port}`

  const browser = await openBrowser(t)
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => problems.push(err.message))
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  await page.goto(link.toString())
  t.notMatch(page.url(), /#token|token=/, 'the token is gone from the address bar')

  await page.fill('#new-password', 'chosen in the browser')
  await page.fill('#confirm-password', 'chosen in the browser, but differently')
  await page.click('#submit')
  await page.waitForSelector('#status.error')
  t.equal(await page.textContent('#status'), 'Passwords do not match')

  await page.fill('#new-password', 'qwertyuiop123')
  await page.fill('#confirm-password', 'qwertyuiop123')
  await page.click('#submit')
  await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('This password'))
  t.equal(await page.textContent('#status'), 'This password is too easy to guess. This is similar to a commonly used password. Add more words that are less common.',
    'a weak password: the page shows why, and how to do better')

  await page.fill('#new-password', 'chosen in the browser')
  await page.fill('#confirm-password', 'chosen in the browser')
  await page.click('#submit')
  await page.waitForSelector('#status.ok')
  t.match(await page.textContent('#status'), /^Password reset Successfully\. You can now log in/)
  t.equal(await page.isHidden('#reset-form'), true)

  // Chromium reports every 4xx answer on the console; the refused weak password is the one expected.
  t.same(problems, ['Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)'], 'no script error and no CSP violation')
  t.ok(requests.every((url) => url.startsWith(`http://127.0.0.1:${port}/`)), 'only this server was asked for anything')
  t.notOk(requests.some((url) => url.includes('#')), 'no request carried the fragment')
  await t.rejects(login(app, user.email, PASSWORD), /login failed/)
  await t.resolves(login(app, user.email, 'chosen in the browser'))
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })), 'token_revoked')
  t.notOk(logLines.some((line) => line.includes(token)), 'the token reached no log line')
})

test('opened without a token, the page says the link is incomplete', async (t) => {
  const { app } = await buildWithInbox(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const page = await (await openBrowser(t)).newPage()
  await page.goto(`http://127.0.0.1:${port}/reset-password`)
  await page.waitForSelector('#status.error')
  t.match(await page.textContent('#status'), /incomplete/)
  t.equal(await page.isHidden('#reset-form'), true)
})
