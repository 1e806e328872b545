import { test } from 'tap'
import { sql } from 'kysely'
import { addresses, linkIn, tokenIn } from '../../../../helpers/smtp.js'
import { buildWithInbox, queuedMailsTo } from '../../../../helpers/mail.js'
import { errorCode, login, signupBody, uniqueEmail, PASSWORD } from '../../../../helpers/fixtures.js'
import { hashToken } from '../../../../../plugins/app/account-email/account-email-service.js'

const signup = '/api/v1/auth/signup'
const resend = '/api/v1/auth/resend_verification'
const verifyUrl = (token: string) => `/api/v1/auth/verify/${token}`
const RESENT = { message: 'If the account exists and is unverified, a new link is on its way' }

test('signup → verification mail over SMTP → link → verified; the link keeps answering 200 until it expires', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { PUBLIC_URL: 'https://books.example.com', MAIL_FROM: 'Bookly <accounts@example.com>' })
  const body = signupBody()
  const res = await app.inject({ method: 'POST', url: signup, payload: body })
  t.equal(res.statusCode, 201)
  t.equal(res.json().is_verified, false)

  const [mail] = await inbox.waitForMessages(1)
  if (mail === undefined) throw new Error('no mail')
  t.same(addresses(mail.from), ['accounts@example.com'])
  t.same(addresses(mail.to), [body.email])
  t.equal(mail.subject, 'Verify your e-mail address for Bookly')
  t.match(mail.text, /Hello Ada,/)
  t.match(mail.text, /works for 24 hours/)
  const link = linkIn(mail)
  t.match(link, /^https:\/\/books\.example\.com\/api\/v1\/auth\/verify\/[A-Za-z0-9_-]{43}$/)
  t.ok(typeof mail.html === 'string' && mail.html.includes(`href="${link}"`), 'the HTML part links to it too')

  const token = tokenIn(mail)
  const row = await app.db.selectFrom('account_tokens').selectAll().where('user_uid', '=', res.json().uid).executeTakeFirstOrThrow()
  t.same(row.token_hash, hashToken(token), 'only the SHA-256 of the token is stored')
  t.equal(row.purpose, 'verify_email')
  t.equal(row.email, body.email)

  const verified = await app.inject({ url: verifyUrl(token) })
  t.equal(verified.statusCode, 200)
  t.same(verified.json(), { message: 'Account verified successfully' })
  const me = await login(app, body.email)
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${me.access}` } })).json().is_verified, true)

  const again = await app.inject({ url: verifyUrl(token) })
  t.equal(again.statusCode, 200, 'a used link answers the same until it expires')
  t.same(again.json(), verified.json())

  await app.db.updateTable('account_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('token_hash', '=', hashToken(token)).execute()
  t.equal(errorCode(await app.inject({ url: verifyUrl(token) })), 'invalid_or_expired_token', 'not once it has expired')
})

test('expired, unknown, malformed and wrong-purpose tokens are 400 invalid_or_expired_token and verify nothing', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const body = signupBody()
  const { uid } = (await app.inject({ method: 'POST', url: signup, payload: body })).json()
  const token = tokenIn((await inbox.waitForMessages(1))[0]!)

  // Age the row rather than wait.
  await app.db.updateTable('account_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('user_uid', '=', uid).execute()
  const expired = await app.inject({ url: verifyUrl(token) })
  t.equal(expired.statusCode, 400)
  t.same(expired.json(), { statusCode: 400, error: 'Bad Request', error_code: 'invalid_or_expired_token', message: 'Invalid or expired token' })

  await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: body.email } })
  const resetToken = tokenIn((await inbox.waitForMessages(2))[1]!)
  t.equal(errorCode(await app.inject({ url: verifyUrl(resetToken) })), 'invalid_or_expired_token', 'a reset token does not verify')

  for (const bad of ['x'.repeat(43), 'short', 'A'.repeat(44), '%00', token.slice(0, 42) + '!']) {
    const res = await app.inject({ url: verifyUrl(encodeURIComponent(bad)) })
    t.equal(res.statusCode, 400, `${bad}: 400`)
  }
  const user = await app.db.selectFrom('users').select('is_verified').where('uid', '=', uid).executeTakeFirstOrThrow()
  t.equal(user.is_verified, false)
  t.equal((await app.inject({ method: 'HEAD', url: verifyUrl(resetToken) })).statusCode, 405, 'HEAD is not allowed on a route that changes state')
})

test('a verification token verifies only the address it was sent to', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const { uid } = (await app.inject({ method: 'POST', url: signup, payload: signupBody() })).json()
  const token = tokenIn((await inbox.waitForMessages(1))[0]!)
  await app.db.updateTable('users').set({ email: uniqueEmail('moved') }).where('uid', '=', uid).execute()
  t.equal(errorCode(await app.inject({ url: verifyUrl(token) })), 'invalid_or_expired_token')
  t.equal((await app.db.selectFrom('users').select('is_verified').where('uid', '=', uid).executeTakeFirstOrThrow()).is_verified, false)
})

test('resend_verification: a new link for an unverified account; the same 202 and no mail for anyone else', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const unverified = signupBody()
  const verified = signupBody()
  await app.inject({ method: 'POST', url: signup, payload: unverified })
  await app.inject({ method: 'POST', url: signup, payload: verified })
  const first = await inbox.waitForMessages(2)
  const verifiedMail = first.find((mail) => addresses(mail.to)[0] === verified.email)!
  t.equal((await app.inject({ url: verifyUrl(tokenIn(verifiedMail)) })).statusCode, 200)

  const unknown = uniqueEmail('nobody')
  for (const email of [unknown, verified.email, ` ${unverified.email.toUpperCase()} `]) {
    const res = await app.inject({ method: 'POST', url: resend, payload: { email } })
    t.equal(res.statusCode, 202, email)
    t.same(res.json(), RESENT, `${email}: the same answer`)
  }
  // The one mail queued last arrives; anything queued before it would have been delivered with it.
  const all = await inbox.waitForMessages(3)
  t.equal(all.length, 3, 'one new mail only')
  const resent = all[2]!
  t.same(addresses(resent.to), [unverified.email])
  await app.afterAnswer.settled() // the mail routes work after their answer
  t.equal(await queuedMailsTo(app, unknown), 0, 'nothing queued for an unknown address')
  t.equal(await queuedMailsTo(app, verified.email), 1, 'nor again for a verified one')

  // Both links work: the new one, and the first (until it expires).
  t.equal((await app.inject({ url: verifyUrl(tokenIn(resent)) })).statusCode, 200)
  const firstLink = first.find((mail) => addresses(mail.to)[0] === unverified.email)!
  t.equal((await app.inject({ url: verifyUrl(tokenIn(firstLink)) })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: resend, payload: { email: 'not an e-mail' } })).statusCode, 422)
})

test('resend_verification over its per-address and per-IP limits: the same 202, no mail', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { MAIL_REQUESTS_PER_ADDRESS: 2, MAIL_REQUESTS_PER_IP: 4 })
  const user = signupBody()
  await app.inject({ method: 'POST', url: signup, payload: user })
  await inbox.waitForMessages(1)
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ method: 'POST', url: resend, payload: { email: user.email }, remoteAddress: `198.51.100.${i}` })
    t.equal(res.statusCode, 202)
    t.same(res.json(), RESENT)
  }
  await app.afterAnswer.settled() // the mail routes work after their answer
  t.equal(await queuedMailsTo(app, user.email), 3, 'the signup mail and two resends: the address is at its limit')

  const other = signupBody()
  await app.inject({ method: 'POST', url: signup, payload: other })
  const ip = '203.0.113.7'
  for (let i = 0; i < 6; i++) {
    const res = await app.inject({ method: 'POST', url: resend, payload: { email: i < 4 ? uniqueEmail() : other.email }, remoteAddress: ip })
    t.same(res.json(), RESENT)
  }
  await app.afterAnswer.settled() // the mail routes work after their answer
  t.equal(await queuedMailsTo(app, other.email), 1, 'the IP was over its limit before it asked for this address: only the signup mail')
})

test('REQUIRE_VERIFIED_EMAIL: the right password of an unverified account gets 403 email_not_verified', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { REQUIRE_VERIFIED_EMAIL: true })
  const body = signupBody()
  await app.inject({ method: 'POST', url: signup, payload: body })
  const refused = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: PASSWORD } })
  t.equal(refused.statusCode, 403)
  t.equal(errorCode(refused), 'email_not_verified')
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: 'not the password' } })
  t.equal(errorCode(wrong), 'invalid_email_or_password', 'a wrong password gets the usual answer')
  t.equal((await app.db.selectFrom('sessions').select('id').innerJoin('users', 'users.uid', 'sessions.user_uid')
    .where('users.email', '=', body.email).execute()).length, 0, 'no session opened')

  await app.inject({ url: verifyUrl(tokenIn((await inbox.waitForMessages(1))[0]!)) })
  await t.resolves(login(app, body.email), 'verified: in')
})

test('user-supplied names are escaped in the HTML part', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  await app.inject({ method: 'POST', url: signup, payload: signupBody({ first_name: '<img src=x onerror=1>&"' }) })
  const [mail] = await inbox.waitForMessages(1)
  t.match(mail?.html, /Hello &lt;img src=x onerror=1&gt;&amp;&quot;,/)
  t.notMatch(mail?.html, /<img/)
  t.match(mail?.text, /Hello <img src=x onerror=1>&",/, 'the text part is plain text')
})
