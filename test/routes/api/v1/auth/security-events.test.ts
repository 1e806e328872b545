// Security events through the API: each is recorded at its trigger, listed newest first for the
// account's owner and for admins, and a login from a new device is mailed to the account.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { build } from '../../../../helper.js'
import { freshDatabase } from '../../../../helpers/databases.js'
import { buildWithInbox } from '../../../../helpers/mail.js'
import { addresses, tokenIn } from '../../../../helpers/smtp.js'
import { bearer, errorCode, login, signupAdmin, signupAndLogin, uniqueEmail, PASSWORD } from '../../../../helpers/fixtures.js'

const EVENTS = '/api/v1/auth/security-events'
const NEW_PASSWORD = 'a completely new passphrase'

async function events (app: FastifyInstance, access: string, query = ''): Promise<Array<{ id: string, type: string, ip: string | null, user_agent: string | null, detail: Record<string, unknown> | null, created_at: string }>> {
  // Logins are recorded after their answer.
  await app.afterAnswer.settled()
  const res = await app.inject({ url: `${EVENTS}${query}`, headers: bearer(access) })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json()
}

const types = (list: Array<{ type: string }>) => list.map((event) => event.type)

test('a login is recorded with its IP and user agent; a failed one for a known account too, an unknown e-mail records nothing', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const user = await signupAndLogin(app, {}, { 'user-agent': 'Browser/1.0' })
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: 'not the password at all' }, headers: { 'user-agent': 'Guesser/2' } })
  t.equal(wrong.statusCode, 403)
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: uniqueEmail(), password: PASSWORD } })
  t.equal(unknown.statusCode, 403)
  t.same(wrong.json(), unknown.json(), 'the same answer for both')

  const list = await events(app, user.access)
  t.same(types(list), ['login_failed', 'login'], 'newest first')
  t.equal(list[0]!.user_agent, 'Guesser/2')
  t.equal(list[1]!.user_agent, 'Browser/1.0')
  t.equal(list[1]!.ip, '127.0.0.1')
  t.ok(list[0]!.created_at >= list[1]!.created_at, 'newest first')
  t.match(list[1]!.created_at, /^\d{4}-\d\d-\d\dT/)
  const total = await app.db.selectFrom('security_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(total.n), 2, 'the unknown e-mail left no row')
})

test('a login from a new device is an event and a mail to the account; the first login and a known device are neither', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app, {}, { 'user-agent': 'Laptop/1' })
  await inbox.waitForMessages(1)
  await login(app, user.email, PASSWORD, { 'user-agent': 'Laptop/1' })
  await app.afterAnswer.settled()
  const phone = await login(app, user.email, PASSWORD, { 'user-agent': 'Phone/7 <b>bold</b>' })

  const list = await events(app, phone.access)
  t.same(types(list), ['new_device', 'login', 'login', 'login'])
  t.equal(list[0]!.user_agent, 'Phone/7 <b>bold</b>')
  const [, mail] = await inbox.waitForMessages(2)
  t.same(addresses(mail!.to), [user.email])
  t.equal(mail!.subject, 'New login to your Bookly account')
  t.match(mail!.text, /IP address: 127\.0\.0\.1/)
  t.match(mail!.text, /Phone\/7 <b>bold<\/b>/)
  t.notOk(typeof mail!.html === 'string' && mail!.html.includes('<b>bold'), 'the user agent is escaped in the HTML part')

  await login(app, user.email, PASSWORD, { 'user-agent': 'Phone/7 <b>bold</b>' })
  t.same(types(await events(app, phone.access)).filter((type) => type === 'new_device'), ['new_device'], 'the same device again is no news')
  const queued = await app.db.selectFrom('mail_outbox').select('kind').where('kind', '=', 'new_device').execute()
  t.equal(queued.length, 1, 'one new-device mail in all')
})

test('password change and reset, and ended sessions, are recorded with what they ended', async (t) => {
  const { app, inbox } = await buildWithInbox(t)
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  const second = await login(app, user.email)
  const third = await login(app, user.email)

  const del = await app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${JSON.parse(Buffer.from(second.access.split('.')[1]!, 'base64url').toString()).sid as string}`, headers: bearer(user.access) })
  t.equal(del.statusCode, 204)
  const others = await app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=others', headers: bearer(user.access) })
  t.equal(others.statusCode, 200)
  let list = await events(app, user.access)
  t.same(list.slice(0, 2).map(({ type, detail }) => ({ type, detail })), [
    { type: 'sessions_revoked', detail: { scope: 'others', sessions: 1 } },
    { type: 'sessions_revoked', detail: { scope: 'one', sessions: 1 } }
  ])
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(third.access) })).statusCode, 401)

  const changed = await app.inject({ method: 'POST', url: '/api/v1/auth/change_password', headers: bearer(user.access), payload: { current_password: PASSWORD, new_password: NEW_PASSWORD } })
  t.equal(changed.statusCode, 200)
  list = await events(app, user.access)
  t.same({ type: list[0]!.type, detail: list[0]!.detail }, { type: 'password_changed', detail: { sessions_ended: 0 } })

  const requested = await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: user.email } })
  t.equal(requested.statusCode, 200)
  const token = tokenIn((await inbox.waitForMessages(2))[1]!)
  const reset = await app.inject({ method: 'POST', url: `/api/v1/auth/password-reset-confirm/${token}`, payload: { new_password: PASSWORD, confirm_new_password: PASSWORD } })
  t.equal(reset.statusCode, 200)
  const after = await login(app, user.email)
  list = await events(app, after.access)
  t.same(list.slice(0, 2).map(({ type, detail }) => ({ type, detail })), [
    { type: 'login', detail: null },
    { type: 'password_reset', detail: { sessions_ended: 1 } }
  ])
  t.equal(list.filter((event) => event.type === 'sessions_revoked').length, 2, 'a local logout is not one of them')
})

test('admins read any account\'s events and their changes to it are recorded; others cannot', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const url = `/api/v1/admin/users/${user.uid}/security-events`

  for (const body of [{ role: 'admin' }, { disabled: true }, { disabled: false }]) {
    const res = await app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${user.uid}`, headers: bearer(admin.access), payload: body })
    t.equal(res.statusCode, 200)
  }
  const res = await app.inject({ url, headers: bearer(admin.access) })
  t.equal(res.statusCode, 200)
  t.same(res.json().slice(0, 3).map(({ type, detail }: { type: string, detail: unknown }) => ({ type, detail })), [
    { type: 'account_enabled', detail: { by: admin.uid } },
    { type: 'account_disabled', detail: { by: admin.uid } },
    { type: 'role_changed', detail: { from: 'user', to: 'admin', by: admin.uid } }
  ])

  const asUser = await signupAndLogin(app)
  const refused = await app.inject({ url, headers: bearer(asUser.access) })
  t.equal(refused.statusCode, 403)
  t.equal(errorCode(refused), 'insufficient_permissions')
  t.equal((await app.inject({ url })).statusCode, 401)
  const missing = await app.inject({ url: '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/security-events', headers: bearer(admin.access) })
  t.equal(missing.statusCode, 404)
  t.equal(errorCode(missing), 'user_not_found')
  const bad = await app.inject({ url: '/api/v1/admin/users/not-a-uid/security-events', headers: bearer(admin.access) })
  t.equal(bad.statusCode, 422)
  const own = await app.inject({ url: EVENTS, headers: bearer(asUser.access) })
  t.notOk(own.json().some((event: { type: string }) => event.type === 'role_changed'), 'a user sees only their own account\'s events')
})

test('paging: limit and offset, newest first, bounds refused with 422', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const user = await signupAndLogin(app)
  for (let i = 0; i < 4; i++) await login(app, user.email, PASSWORD, { 'user-agent': `Device/${i % 2}` })
  const all = await events(app, user.access)
  t.ok(all.length >= 5)
  const times = all.map((event) => event.created_at)
  t.same(times, [...times].sort().reverse(), 'newest first')
  const page = await events(app, user.access, '?limit=2&offset=1')
  t.same(page.map((event) => event.id), all.slice(1, 3).map((event) => event.id))
  for (const query of ['?limit=0', '?limit=101', '?offset=-1', '?limit=abc', '?limit=1e3', '?offset=2147483648']) {
    const res = await app.inject({ url: `${EVENTS}${query}`, headers: bearer(user.access) })
    t.equal(res.statusCode, 422, query)
    t.equal(errorCode(res), 'validation_error')
  }
})

test('over a real socket: the login event holds the connection address and the user agent sent', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const user = await signupAndLogin(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'RealSocket/1.0' },
    body: JSON.stringify({ email: user.email, password: PASSWORD })
  })
  t.equal(res.status, 200)
  const { access_token: access } = await res.json() as { access_token: string }
  await app.afterAnswer.settled()
  const listed = await fetch(`${base}${EVENTS}?limit=1`, { headers: bearer(access) })
  t.equal(listed.status, 200)
  const [event] = await listed.json() as Array<{ type: string, ip: string, user_agent: string }>
  t.same(event, { ...event, type: 'new_device', ip: '127.0.0.1', user_agent: 'RealSocket/1.0' })
})
