import { test } from 'tap'
import { sql } from 'kysely'
import { build } from '../../../../helper.js'
import { addresses, linkIn, tokenIn, type Inbox } from '../../../../helpers/smtp.js'
import { buildWithInbox, queuedMailsTo } from '../../../../helpers/mail.js'
import { bearer, errorCode, login, signupAndLogin, signupBody, uniqueEmail, PASSWORD } from '../../../../helpers/fixtures.js'
import { waitFor } from '../../../../helpers/wait-for.js'
import type { FastifyInstance } from 'fastify'

const requestUrl = '/api/v1/auth/password-reset-request'
const confirmUrl = (token: string) => `/api/v1/auth/password-reset-confirm/${token}`
const REQUESTED = { message: 'Please check your email for instructions to reset your password' }
const NEW_PASSWORD = 'a completely new passphrase'
const confirmBody = (password = NEW_PASSWORD, confirmation = password) => ({ new_password: password, confirm_new_password: confirmation })

// Requests a reset and returns the token from the mail that arrives as message number `nth` (1-based).
async function resetToken (app: FastifyInstance, inbox: Inbox, email: string, nth: number): Promise<string> {
  const res = await app.inject({ method: 'POST', url: requestUrl, payload: { email } })
  if (res.statusCode !== 200) throw new Error(res.body)
  return tokenIn((await inbox.waitForMessages(nth))[nth - 1]!)
}

test('reset request → mail → confirm: old password refused, new one works, every session ended, e-mail verified', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { PUBLIC_URL: 'http://localhost:8000/' })
  const user = await signupAndLogin(app)
  const other = await login(app, user.email)
  await inbox.waitForMessages(1)

  const res = await app.inject({ method: 'POST', url: requestUrl, payload: { email: user.email.toUpperCase() } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), REQUESTED)
  const mail = (await inbox.waitForMessages(2))[1]!
  t.same(addresses(mail.to), [user.email])
  t.equal(mail.subject, 'Reset your Bookly password')
  t.match(mail.text, /works once, for 1 hour/)
  const link = linkIn(mail)
  t.match(link, /^http:\/\/localhost:8000\/reset-password#token=[A-Za-z0-9_-]{43}$/, 'the token is in the fragment')
  t.ok(typeof mail.html === 'string' && mail.html.includes(`href="${link}"`))

  const done = await app.inject({ method: 'POST', url: confirmUrl(tokenIn(mail)), payload: confirmBody() })
  t.equal(done.statusCode, 200)
  t.same(done.json(), { message: 'Password reset Successfully' })

  for (const session of [user, other]) {
    t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(session.access) })), 'token_revoked', 'access token refused at once')
    t.equal(errorCode(await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(session.refresh) })), 'token_revoked', 'refresh token too')
  }
  const reasons = await app.db.selectFrom('sessions').select('revoked_reason').where('user_uid', '=', user.uid).execute()
  t.same(reasons, [{ revoked_reason: 'password_reset' }, { revoked_reason: 'password_reset' }])
  await t.rejects(login(app, user.email, PASSWORD), /login failed/, 'the old password is refused')
  const fresh = await login(app, user.email, NEW_PASSWORD)
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(fresh.access) })).json().is_verified, true, 'the e-mail is verified')

  t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(tokenIn(mail)), payload: confirmBody('yet another passphrase') })),
    'invalid_or_expired_token', 'a used link is refused')
  await t.resolves(login(app, user.email, NEW_PASSWORD), 'and changed nothing')
})

test('passwords that differ are 400 passwords_do_not_match, and the link still works afterwards', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  const token = await resetToken(app, inbox, user.email, 2)
  const res = await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody(NEW_PASSWORD, `${NEW_PASSWORD}!`) })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { statusCode: 400, error: 'Bad Request', error_code: 'passwords_do_not_match', message: 'Passwords do not match' })
  const short = await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody('short') })
  t.equal(short.statusCode, 422)
  t.match(short.json().message, /new_password/)
  t.equal((await app.inject({ method: 'POST', url: confirmUrl(token), payload: { new_password: NEW_PASSWORD } })).statusCode, 422, 'the confirmation is required')
  t.equal((await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody() })).statusCode, 200)
})

test('a weak new password is 422 weak_password naming /body/new_password, changes nothing, and the link still works', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app, { username: 'vexmoriandl', first_name: 'Pellowyth', last_name: 'Drancasterix' })
  await inbox.waitForMessages(1)
  const token = await resetToken(app, inbox, user.email, 2)
  const before = await app.usersRepository.findByUid(user.uid)
  const weak = await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody('qwertyuiop123') })
  const message = 'This password is too easy to guess. This is similar to a commonly used password. Add more words that are less common.'
  t.same(weak.json(), { statusCode: 422, error: 'Unprocessable Entity', error_code: 'weak_password', message, errors: [{ path: '/body/new_password', message }] })
  const own = await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody('Drancasterix!') })
  t.match(own.json(), { error_code: 'weak_password', message: /personal or page related data/ }, 'the account is known from the token: its own words count')
  t.equal((await app.usersRepository.findByUid(user.uid))?.password_hash, before?.password_hash, 'the hash is unchanged')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })).statusCode, 200, 'the session lives on')
  t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl('A'.repeat(43)), payload: confirmBody('qwertyuiop123') })), 'invalid_or_expired_token',
    'an unknown link is refused as such, whatever the password')

  t.equal((await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody() })).statusCode, 200, 'the link still works')
  await t.resolves(login(app, user.email, NEW_PASSWORD))
})

test('bad, expired and wrong-purpose tokens are 400 invalid_or_expired_token and change nothing', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const verifyToken = tokenIn((await inbox.waitForMessages(1))[0]!)
  t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(verifyToken), payload: confirmBody() })), 'invalid_or_expired_token', 'a verification token does not reset')

  const token = await resetToken(app, inbox, user.email, 2)
  await app.db.updateTable('account_tokens').set({ expires_at: sql`now() - interval '1 second'` })
    .where('user_uid', '=', user.uid).where('purpose', '=', 'password_reset').execute()
  t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody() })), 'invalid_or_expired_token', 'expired')
  for (const bad of ['nope', 'A'.repeat(43), `${token}x`]) {
    t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(bad), payload: confirmBody() })), 'invalid_or_expired_token', bad)
  }
  await t.resolves(login(app, user.email, PASSWORD), 'the password is unchanged')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })).statusCode, 200, 'the session lives on')
})

test('a new reset request, a password change and a completed reset each void the earlier reset links', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  const first = await resetToken(app, inbox, user.email, 2)
  const second = await resetToken(app, inbox, user.email, 3)
  t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(first), payload: confirmBody() })), 'invalid_or_expired_token', 'a newer request voids the older link')

  const change = await app.inject({
    method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(user.access), payload: { current_password: PASSWORD, new_password: 'changed by its owner' }
  })
  t.equal(change.statusCode, 200)
  t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(second), payload: confirmBody() })), 'invalid_or_expired_token', 'a password change voids it')

  // Two links at once (as if sent by two instances together), then one of them used.
  const third = await resetToken(app, inbox, user.email, 4)
  await app.db.updateTable('account_tokens').set({ voided_at: null }).where('user_uid', '=', user.uid).where('used_at', 'is', null).execute()
  t.equal((await app.inject({ method: 'POST', url: confirmUrl(third), payload: confirmBody() })).statusCode, 200)
  for (const token of [first, second]) {
    t.equal(errorCode(await app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody('someone else again') })), 'invalid_or_expired_token', 'a completed reset voids the rest')
  }
  await t.resolves(login(app, user.email, NEW_PASSWORD))
})

test('20 concurrent confirms with one token: exactly one succeeds', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  const token = await resetToken(app, inbox, user.email, 2)
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    app.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody(`concurrent password ${i}`) })))
  const won = answers.filter((res) => res.statusCode === 200)
  t.equal(won.length, 1, 'one 200')
  t.same(answers.filter((res) => res.statusCode !== 200).map(errorCode), Array(19).fill('invalid_or_expired_token'), '19 refused')
  const winner = answers.indexOf(won[0]!)
  await t.resolves(login(app, user.email, `concurrent password ${winner}`), 'the winner\'s password is the one set')
})

test('an unknown or disabled account: the same answer, no token, no mail', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const disabled = await signupAndLogin(app)
  const known = await signupAndLogin(app)
  await inbox.waitForMessages(2)
  await app.db.updateTable('users').set({ disabled_at: new Date() }).where('uid', '=', disabled.uid).execute()
  const unknown = uniqueEmail('nobody')

  const answers = []
  for (const email of [unknown, disabled.email, known.email]) {
    answers.push(await app.inject({ method: 'POST', url: requestUrl, payload: { email } }))
  }
  for (const res of answers) {
    t.equal(res.statusCode, 200)
    t.same(res.json(), REQUESTED)
    t.same(Object.keys(res.headers).sort(), Object.keys(answers[2]!.headers).sort(), 'the same headers')
  }
  // The known account's mail, queued last, arrives; one queued before it would have come with it.
  const all = await inbox.waitForMessages(3)
  t.equal(all.length, 3)
  t.same(addresses(all[2]!.to), [known.email])
  await app.afterAnswer.settled() // the mail routes work after their answer
  t.equal(await queuedMailsTo(app, unknown), 0)
  t.equal(await queuedMailsTo(app, disabled.email), 1, 'only its signup mail')
  const tokens = await app.db.selectFrom('account_tokens').select('email').where('purpose', '=', 'password_reset').execute()
  t.same(tokens, [{ email: known.email }], 'a reset token for the known account only')
})

test('reset requests over the per-address and per-IP limits: the same 200, no mail', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { MAIL_REQUESTS_PER_ADDRESS: 2, MAIL_REQUESTS_PER_IP: 3 })
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'POST', url: requestUrl, payload: { email: user.email }, remoteAddress: `192.0.2.${i + 1}` })
    t.same([res.statusCode, res.json()], [200, REQUESTED])
  }
  await app.afterAnswer.settled() // the mail routes work after their answer
  t.equal(await queuedMailsTo(app, user.email), 3, 'the signup mail and two reset mails')
  await inbox.waitForMessages(3)

  const other = await signupAndLogin(app)
  const ip = '192.0.2.99'
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ method: 'POST', url: requestUrl, payload: { email: i < 3 ? uniqueEmail() : other.email }, remoteAddress: ip })
    t.same([res.statusCode, res.json()], [200, REQUESTED])
  }
  await app.afterAnswer.settled() // the mail routes work after their answer
  t.equal(await queuedMailsTo(app, other.email), 1, 'the IP was over its limit: only the signup mail')
})

test('a reset on one instance ends the sessions on another at once', async (t) => {
  const { app: one, inbox, database } = await buildWithInbox(t)
  const two = await build(t, { database, config: { SMTP_URL: inbox.url } })
  const user = await signupAndLogin(one)
  await inbox.waitForMessages(1)
  t.equal((await two.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })).statusCode, 200, 'valid on both first')
  const token = await resetToken(one, inbox, user.email, 2)
  t.equal((await one.inject({ method: 'POST', url: confirmUrl(token), payload: confirmBody() })).statusCode, 200)
  t.equal(errorCode(await one.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })), 'token_revoked')
  t.ok(await waitFor(async () => errorCode(await two.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })) === 'token_revoked', 1000),
    'refused on the other instance within a second')
})

// A known address writes a token and a mail, an unknown one nothing: were the answer sent after
// that work, its timing would tell which addresses have accounts. So it is sent first: it arrives
// while the tables the work needs are locked, and the work is done once they are free.
test('the mail routes answer before their work: the answer comes while its tables are locked', async (t) => {
  const { app } = await buildWithInbox(t)
  const unverified = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: signupBody() })
  const email = unverified.json().email as string
  await app.afterAnswer.settled()
  const routes = [
    { url: requestUrl, status: 200, purpose: 'password_reset' },
    { url: '/api/v1/auth/resend_verification', status: 202, purpose: 'verify_email' }
  ] as const
  for (const route of routes) {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    let locked: () => void = () => {}
    const lockTaken = new Promise<void>((resolve) => { locked = resolve })
    const holder = app.db.transaction().execute(async (trx) => {
      await sql`lock table account_tokens, mail_outbox in access exclusive mode`.execute(trx)
      locked()
      await held
    })
    await lockTaken
    const before = await Promise.race([
      app.inject({ method: 'POST', url: route.url, payload: { email } }),
      new Promise<undefined>((resolve) => setTimeout(resolve, 20_000, undefined))
    ])
    release()
    await holder
    t.equal(before?.statusCode, route.status, `${route.url}: answered while the tables were locked`)
    await app.afterAnswer.settled()
    const tokens = await app.db.selectFrom('account_tokens').select('purpose')
      .where('email', '=', email).where('purpose', '=', route.purpose).execute()
    t.equal(tokens.length, route.purpose === 'verify_email' ? 2 : 1, `${route.url}: the work was done after the answer`)
  }
})
