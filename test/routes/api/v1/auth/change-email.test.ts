// E-mail change: change_email mails a link to the new address and a notice to the current one; the
// link moves the account, once, and ends every session. Mail goes through a real SMTP server.
import { test } from 'tap'
import { STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { ParsedMail } from 'mailparser'
import { buildWithInbox, queuedMailsTo } from '../../../../helpers/mail.js'
import { addresses, linkIn, tokenIn, type Inbox } from '../../../../helpers/smtp.js'
import { agedLogin, bearer, errorCode, login, signupAndLogin, uniqueEmail, PASSWORD, type LoggedIn } from '../../../../helpers/fixtures.js'
import { waitFor } from '../../../../helpers/wait-for.js'
import { hashToken } from '../../../../../plugins/app/account-email/account-email-service.js'

const changeUrl = '/api/v1/auth/change_email'
const linkUrl = (token: string) => `/api/v1/auth/email-change/${token}`
const REQUESTED = { message: 'Please check the new address for a link that confirms the change' }
const CHANGED = { message: 'Email address changed; please log in with the new address' }
const LINK_SUBJECT = 'Confirm your new e-mail address for Bookly'
const NOTICE_SUBJECT = 'Your Bookly e-mail address is about to change'

const requestChange = (app: FastifyInstance, user: LoggedIn, newEmail: unknown, password: unknown = PASSWORD) =>
  app.inject({ method: 'POST', url: changeUrl, headers: bearer(user.access), payload: { new_email: newEmail, password } })

// The first `count` mails to `to` with this subject, once they have arrived.
async function mailsTo (inbox: Inbox, to: string, subject: string, count = 1): Promise<ParsedMail[]> {
  const found = () => inbox.messages.filter((mail) => addresses(mail.to).includes(to) && mail.subject === subject)
  if (!await waitFor(() => found().length >= count, 10_000)) throw new Error(`${found().length} of ${count} mails "${subject}" to ${to} arrived`)
  return found().slice(0, count)
}

// Asks for the change and returns the token of the link it mails (the `nth` such mail to the address).
async function changeToken (app: FastifyInstance, inbox: Inbox, user: LoggedIn, newEmail: string, nth = 1): Promise<string> {
  const res = await requestChange(app, user, newEmail)
  if (res.statusCode !== 202) throw new Error(res.body)
  return tokenIn((await mailsTo(inbox, newEmail, LINK_SUBJECT, nth))[nth - 1]!)
}

// What a refused request must leave as it was: the account's row, and how many tokens, mails and events there are.
async function footprint (app: FastifyInstance, uid: string) {
  const count = (table: 'account_tokens' | 'mail_outbox' | 'security_events') =>
    app.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow().then((row) => Number(row.n))
  const account = await app.db.selectFrom('users').selectAll().where('uid', '=', uid).executeTakeFirstOrThrow()
  return { account, tokens: await count('account_tokens'), mails: await count('mail_outbox'), events: await count('security_events') }
}

const eventsOf = (app: FastifyInstance, uid: string, type: 'email_change_requested' | 'email_changed') =>
  app.db.selectFrom('security_events').select(['detail', 'ip']).where('user_uid', '=', uid).where('type', '=', type).execute()

const me = (app: FastifyInstance, user: LoggedIn) => app.inject({ url: '/api/v1/auth/me', headers: bearer(user.access) })

// An answer as its status and body, to t.match against refused(status, code): the error shape.
const answer = (res: LightMyRequestResponse) => ({ status: res.statusCode, body: res.json() })
const refused = (status: number, code: string | RegExp = /^[a-z]+(_[a-z]+)*$/) =>
  ({ status, body: { statusCode: status, error: STATUS_CODES[status], error_code: code, message: String } })

test('change_email → link to the new address, notice to the old → link → moved, verified, every session ended', async (t) => {
  const logLines: string[] = []
  const { app, inbox } = await buildWithInbox(t, { PUBLIC_URL: 'https://books.example.com' }, { logLines })
  const user = await signupAndLogin(app, { first_name: '<i>Ada</i>' })
  const other = await login(app, user.email)
  await inbox.waitForMessages(1)
  const newEmail = uniqueEmail("o'neil&co")

  const res = await requestChange(app, user, `  ${newEmail.toUpperCase()} `)
  t.equal(res.statusCode, 202)
  t.same(res.json(), REQUESTED)

  const [linkMail] = await mailsTo(inbox, newEmail, LINK_SUBJECT)
  const link = linkIn(linkMail!)
  t.match(link, /^https:\/\/books\.example\.com\/api\/v1\/auth\/email-change\/[A-Za-z0-9_-]{43}$/)
  t.match(linkMail!.text, /works once, for 1 hour/)
  t.ok(typeof linkMail!.html === 'string' && linkMail!.html.includes(`href="${link}"`), 'the HTML part links to it too')
  t.ok(typeof linkMail!.html === 'string' && linkMail!.html.includes('Hello &lt;i&gt;Ada&lt;/i&gt;,'), 'the name is escaped')

  const [notice] = await mailsTo(inbox, user.email, NOTICE_SUBJECT)
  t.match(notice!.text, `to ${newEmail}.`, 'the notice names the new address')
  t.match(notice!.text, /change it now, which cancels the change/)
  t.notMatch(notice!.text, /https?:\/\//, 'and carries no link')
  const html = String(notice!.html)
  t.notOk(html.includes(newEmail), 'the address is not in the HTML as typed')
  t.ok(html.includes(newEmail.replace('&', '&amp;').replace("'", '&#39;')), 'but escaped')
  t.notOk(html.includes('<i>'), 'so is the name')

  const token = tokenIn(linkMail!)
  const row = await app.db.selectFrom('account_tokens').selectAll().where('purpose', '=', 'email_change').executeTakeFirstOrThrow()
  t.same([row.token_hash, row.user_uid, row.email], [hashToken(token), user.uid, newEmail], 'only the hash is stored, with the account and the new address')
  const lifetime = (row.expires_at.getTime() - row.created_at.getTime()) / 1000
  t.ok(lifetime > 3590 && lifetime <= 3600, `EMAIL_CHANGE_TTL is an hour by default (${lifetime} s)`)
  t.same((await eventsOf(app, user.uid, 'email_change_requested')).map((e) => e.detail), [{ to: newEmail }])
  t.equal((await me(app, user)).json().email, user.email, 'nothing changes before the link is opened')

  const done = await app.inject({ url: linkUrl(token) })
  t.equal(done.statusCode, 200)
  t.same(done.json(), CHANGED)
  for (const session of [user, other]) {
    t.equal(errorCode(await me(app, session)), 'token_revoked', 'every access token is refused at once')
    t.equal(errorCode(await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(session.refresh) })), 'token_revoked', 'and every refresh token')
  }
  const reasons = await app.db.selectFrom('sessions').select('revoked_reason').where('user_uid', '=', user.uid).execute()
  t.same(reasons, [{ revoked_reason: 'email_changed' }, { revoked_reason: 'email_changed' }])
  await t.rejects(login(app, user.email), /login failed/, 'the old address no longer logs in')
  const moved = await login(app, newEmail)
  t.equal(moved.uid, user.uid)
  t.match((await me(app, moved)).json(), { uid: user.uid, email: newEmail, is_verified: true })
  t.same((await eventsOf(app, user.uid, 'email_changed')).map((e) => e.detail), [{ from: user.email, to: newEmail, sessions_ended: 2 }])

  t.equal(errorCode(await app.inject({ url: linkUrl(token) })), 'invalid_or_expired_token', 'a used link is refused')
  t.equal((await app.inject({ method: 'HEAD', url: linkUrl(token) })).statusCode, 405, 'HEAD is not allowed on a link that changes state')
  t.notOk(logLines.some((line) => line.includes(token)), 'no log line contains the token')
  const urls = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request').map((entry) => entry.req.url)
  t.ok(urls.includes('/api/v1/auth/email-change/[redacted]'), 'the link is logged without its token')
})

test('an old login gets 401 recent_login_required, and nothing is stored or mailed', async (t) => {
  const { app } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const old = await agedLogin(app, user)
  const newEmail = uniqueEmail('stepup')
  const before = await footprint(app, user.uid)
  const res = await requestChange(app, old, newEmail)
  t.match(answer(res), refused(401, 'recent_login_required'))
  t.same(await footprint(app, user.uid), before)
  t.equal(await queuedMailsTo(app, newEmail), 0)

  const fresh = await login(app, user.email)
  t.equal((await requestChange(app, fresh, newEmail)).statusCode, 202, 'a fresh login may')
})

test('a wrong password is 403 invalid_password, stores nothing and counts as a failed login of the account', async (t) => {
  const { app } = await buildWithInbox(t, { LOGIN_FAILURES_PER_ACCOUNT: 3 })
  const user = await signupAndLogin(app)
  const before = await footprint(app, user.uid)
  for (let i = 0; i < 3; i++) {
    // From other IPs: the count is the account's.
    const res = await app.inject({
      method: 'POST', url: changeUrl, headers: bearer(user.access), payload: { new_email: uniqueEmail(), password: 'not the password' }, remoteAddress: `192.0.2.${i + 1}`
    })
    t.match(answer(res), refused(403, 'invalid_password'))
  }
  t.same(await footprint(app, user.uid), before)
  t.match(answer(await requestChange(app, user, uniqueEmail())), refused(429, 'rate_limited'))
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })
  t.equal(errorCode(res), 'rate_limited', 'the login form is locked too: the guesses counted')
})

test('an address another account has is 403 user_exists; the current address is 422; neither stores anything', async (t) => {
  const { app } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const taken = await signupAndLogin(app)
  const before = await footprint(app, user.uid)
  t.match(answer(await requestChange(app, user, taken.email.toUpperCase())), refused(403, 'user_exists'))
  const same = await requestChange(app, user, ` ${user.email.toUpperCase()}`)
  t.match(answer(same), refused(422, 'email_unchanged'))
  t.same(same.json().errors, [{ path: '/body/new_email', message: 'is the address the account already has' }])
  t.same(await footprint(app, user.uid), before)
  // Only once the password is right: a wrong one says nothing about the address.
  t.match(answer(await requestChange(app, user, taken.email, 'not the password')), refused(403, 'invalid_password'))
})

test('an account disabled since its token was checked gets no link: 401 token_revoked, and its pending link lives on', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const pending = await changeToken(app, inbox, user, uniqueEmail('pending'))
  // Disabled in the database alone, as another instance's admin change would be before its revocation arrives.
  await app.db.updateTable('users').set({ disabled_at: new Date() }).where('uid', '=', user.uid).execute()
  const before = await footprint(app, user.uid)
  const tokens = await app.db.selectFrom('account_tokens').selectAll().orderBy('token_hash').execute()
  t.match(answer(await requestChange(app, user, uniqueEmail('late'))), refused(401, 'token_revoked'))
  t.same(await footprint(app, user.uid), before, 'nothing stored, no mail')
  t.same(await app.db.selectFrom('account_tokens').selectAll().orderBy('token_hash').execute(), tokens, 'the earlier link was not voided either')
  await app.db.updateTable('users').set({ disabled_at: null }).where('uid', '=', user.uid).execute()
  t.equal((await app.inject({ url: linkUrl(pending) })).statusCode, 200)
})

test('change_email is limited per IP with change_password\'s settings, counted apart from it', async (t) => {
  const { app } = await buildWithInbox(t, { CHANGE_PASSWORD_RATE_LIMIT: 2 })
  const user = await signupAndLogin(app)
  for (let i = 0; i < 2; i++) t.equal((await requestChange(app, user, uniqueEmail())).statusCode, 202)
  const before = await footprint(app, user.uid)
  t.match(answer(await requestChange(app, user, uniqueEmail())), refused(429, 'rate_limited'))
  t.same(await footprint(app, user.uid), before)
  const change = await app.inject({ method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(user.access), payload: { current_password: PASSWORD, new_password: 'a brand new secret' } })
  t.equal(change.statusCode, 200, 'change_password has a count of its own')
})

test('the same link confirmed 20 times at once: exactly one 200', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const newEmail = uniqueEmail('race')
  const token = await changeToken(app, inbox, user, newEmail)
  const answers = await Promise.all(Array.from({ length: 20 }, () => app.inject({ url: linkUrl(token) })))
  t.equal(answers.filter((res) => res.statusCode === 200).length, 1, 'one 200')
  t.same(answers.filter((res) => res.statusCode !== 200).map(errorCode), Array(19).fill('invalid_or_expired_token'), '19 refused')
  t.equal((await eventsOf(app, user.uid, 'email_changed')).length, 1, 'one change recorded')
  await t.resolves(login(app, newEmail))
})

test('two accounts confirming changes to one address at once: one wins, the other is 403 user_exists and unchanged', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  for (let round = 0; round < 3; round++) {
    const [a, b] = [await signupAndLogin(app), await signupAndLogin(app)]
    const target = uniqueEmail(`contested${round}`)
    const tokens = [await changeToken(app, inbox, a, target), await changeToken(app, inbox, b, target, 2)]
    const answers = await Promise.all(tokens.map((token) => app.inject({ url: linkUrl(token) })))
    const winner = answers.findIndex((res) => res.statusCode === 200)
    t.not(winner, -1, `round ${round}: one wins`)
    const [won, lost] = winner === 0 ? [a, b] : [b, a]
    const loser = answers[1 - winner]!
    t.match(answer(loser), refused(403, 'user_exists'))
    t.match((await me(app, (await login(app, target)))).json(), { uid: won.uid, email: target })
    const account = await app.db.selectFrom('users').select(['email', 'is_verified']).where('uid', '=', lost.uid).executeTakeFirstOrThrow()
    t.same(account, { email: lost.email, is_verified: false }, 'the loser\'s account is as it was')
    t.equal((await me(app, lost)).statusCode, 200, 'and its sessions live on')
    const used = await app.db.selectFrom('account_tokens').select('used_at').where('token_hash', '=', hashToken(tokens[1 - winner]!)).executeTakeFirstOrThrow()
    t.equal(used.used_at, null, 'its link stays unused')
    t.same(await eventsOf(app, lost.uid, 'email_changed'), [], 'no change recorded for it')
  }
})

test('a newer request voids the older link', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const [first, second] = [uniqueEmail('first'), uniqueEmail('second')]
  const older = await changeToken(app, inbox, user, first)
  const newer = await changeToken(app, inbox, user, second)
  t.equal(errorCode(await app.inject({ url: linkUrl(older) })), 'invalid_or_expired_token')
  t.equal((await me(app, user)).json().email, user.email, 'and changed nothing')
  t.equal((await app.inject({ url: linkUrl(newer) })).statusCode, 200)
  await t.resolves(login(app, second))
})

test('a password change or a password reset voids a pending link', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const changed = await changeToken(app, inbox, user, uniqueEmail('changed'))
  const change = await app.inject({
    method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(user.access), payload: { current_password: PASSWORD, new_password: 'changed by its owner' }
  })
  t.equal(change.statusCode, 200)
  t.equal(errorCode(await app.inject({ url: linkUrl(changed) })), 'invalid_or_expired_token', 'a password change voids it')

  const owner = await signupAndLogin(app)
  const reset = await changeToken(app, inbox, owner, uniqueEmail('reset'))
  await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: owner.email } })
  const [resetMail] = await mailsTo(inbox, owner.email, 'Reset your Bookly password')
  const confirm = await app.inject({
    method: 'POST', url: `/api/v1/auth/password-reset-confirm/${tokenIn(resetMail!)}`, payload: { new_password: 'reset by its owner', confirm_new_password: 'reset by its owner' }
  })
  t.equal(confirm.statusCode, 200)
  t.equal(errorCode(await app.inject({ url: linkUrl(reset) })), 'invalid_or_expired_token', 'a password reset voids it')
  await t.resolves(login(app, owner.email, 'reset by its owner'), 'the account kept its address')
  await t.resolves(login(app, user.email, 'changed by its owner'), 'so did the other')
})

test('an expired link, a disabled account\'s link, and other tokens are 400 invalid_or_expired_token and change nothing', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { EMAIL_CHANGE_TTL: 120 })
  const user = await signupAndLogin(app)
  const expiring = uniqueEmail('expiring')
  const expired = await changeToken(app, inbox, user, expiring)
  t.match((await mailsTo(inbox, expiring, LINK_SUBJECT))[0]!.text, /works once, for 2 minutes/, 'EMAIL_CHANGE_TTL sets the lifetime')
  await app.db.updateTable('account_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('token_hash', '=', hashToken(expired)).execute()
  t.match(answer(await app.inject({ url: linkUrl(expired) })), refused(400, 'invalid_or_expired_token'))

  const verification = tokenIn((await mailsTo(inbox, user.email, 'Verify your e-mail address for Bookly'))[0]!)
  for (const bad of [verification, 'x'.repeat(43), 'short', 'A'.repeat(44), `${expired}x`]) {
    t.equal(errorCode(await app.inject({ url: linkUrl(encodeURIComponent(bad)) })), 'invalid_or_expired_token', bad)
  }
  t.match(answer(await app.inject({ url: linkUrl('%00') })), refused(422))

  const pending = await changeToken(app, inbox, user, uniqueEmail('disabled'))
  await app.db.updateTable('users').set({ disabled_at: new Date() }).where('uid', '=', user.uid).execute()
  const before = await footprint(app, user.uid)
  t.match(answer(await app.inject({ url: linkUrl(pending) })), refused(400, 'invalid_or_expired_token'))
  t.same(await footprint(app, user.uid), before, 'the disabled account keeps its address')
  t.same(await eventsOf(app, user.uid, 'email_changed'), [])
})

test('hostile input to change_email is 4xx in the error shape and stores nothing', async (t) => {
  const { app } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  const email = uniqueEmail('hostile')
  const bodies: unknown[] = [
    { new_email: `${email}\u0000`, password: PASSWORD },
    { new_email: email, password: `${PASSWORD}\u0000` },
    { new_email: `${'a'.repeat(100_000)}@example.com`, password: PASSWORD },
    { new_email: email, password: 'p'.repeat(100_000) },
    { new_email: 'not an address', password: PASSWORD },
    { new_email: 12345, password: PASSWORD },
    { new_email: [email], password: PASSWORD },
    { new_email: { email }, password: PASSWORD },
    { new_email: email, password: null },
    { new_email: email, password: [PASSWORD] },
    { new_email: email },
    { password: PASSWORD },
    {},
    { new_email: email, password: PASSWORD, email: user.email },
    { new_email: email, password: PASSWORD, is_verified: true },
    [{ new_email: email, password: PASSWORD }],
    'new_email=x',
    null
  ]
  const before = await footprint(app, user.uid)
  for (const body of bodies) {
    const res = await app.inject({
      method: 'POST', url: changeUrl, headers: { ...bearer(user.access), 'content-type': 'application/json' }, payload: JSON.stringify(body)
    })
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(body).slice(0, 60)}: ${res.statusCode}`)
    t.match(answer(res), refused(res.statusCode), 'in the error shape')
  }
  t.match(answer(await app.inject({ method: 'POST', url: changeUrl, headers: { ...bearer(user.access), 'content-type': 'text/plain' }, payload: 'x' })), refused(415))
  t.match(answer(await app.inject({ method: 'POST', url: changeUrl, payload: { new_email: email, password: PASSWORD } })), refused(401, 'not_authenticated'))
  t.same(await footprint(app, user.uid), before)
  t.equal(await queuedMailsTo(app, email), 0)
})

test('over a real socket: the request, the link and the old token cut off', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const newEmail = uniqueEmail('socket')
  const asked = await fetch(`${base}${changeUrl}`, {
    method: 'POST',
    headers: { ...bearer(user.access), 'content-type': 'application/json', 'user-agent': 'RealSocket/1.0' },
    body: JSON.stringify({ new_email: newEmail.toUpperCase(), password: PASSWORD })
  })
  t.equal(asked.status, 202)
  t.same(await asked.json(), REQUESTED)
  const [mail] = await mailsTo(inbox, newEmail, LINK_SUBJECT)
  const link = new URL(linkIn(mail!))
  const opened = await fetch(`${base}${link.pathname}`)
  t.equal(opened.status, 200)
  t.same(await opened.json(), CHANGED)
  const cut = await fetch(`${base}/api/v1/auth/me`, { headers: bearer(user.access) })
  t.equal(cut.status, 401)
  t.equal((await cut.json() as { error_code: string }).error_code, 'token_revoked')
  await t.resolves(login(app, newEmail))
  const [requested] = await eventsOf(app, user.uid, 'email_change_requested')
  t.equal(requested?.ip, '127.0.0.1')
})
