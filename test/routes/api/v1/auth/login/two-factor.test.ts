// Two-step login: with two-factor on, the right password earns a short-lived single-use ticket and
// no tokens; the ticket and a code (or a recovery code) earn the tokens. Codes are accepted once,
// a step either side of now; wrong ones count toward the account's failed-login limit.
import { test } from 'tap'
import type { AddressInfo } from 'node:net'
import { createHash } from 'node:crypto'
import { build } from '../../../../../helper.js'
import { freshDatabase } from '../../../../../helpers/databases.js'
import { bearer, errorCode, signupAndLogin, uniqueEmail, PASSWORD } from '../../../../../helpers/fixtures.js'
import { jwtClaims } from '../../../../../helpers/jwt.js'
import { enableTwoFactor, passwordStep, secondStep, ticketFor, totpCode, wrongCode, STEP_MS } from '../../../../../helpers/two-factor.js'
import { codeAt } from '../../../../../../plugins/app/two-factor/totp.js'
import { MFA_TICKETS_SWEEP } from '../../../../../../plugins/app/two-factor/retention.js'

test('the right password gets a ticket and no tokens; the ticket and a code get the tokens', async (t) => {
  const app = await build(t, { config: { MFA_TICKET_TTL: 120 } })
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)

  const first = await passwordStep(app, user.email)
  t.equal(first.statusCode, 202)
  const challenge = first.json()
  t.same(Object.keys(challenge).sort(), ['expires_in', 'message', 'methods', 'mfa_required', 'mfa_ticket'])
  t.same({ ...challenge, mfa_ticket: typeof challenge.mfa_ticket }, {
    message: 'Two-factor code required', mfa_required: true, mfa_ticket: 'string', expires_in: 120, methods: ['totp', 'recovery_code']
  })
  t.match(challenge.mfa_ticket, /^[A-Za-z0-9_-]{43}$/)
  t.notOk(first.body.includes('access_token') || first.body.includes('eyJ'), 'no token of any kind')
  const stored = await app.db.selectFrom('mfa_tickets').selectAll().where('user_uid', '=', user.uid).execute()
  t.equal(stored.length, 1)
  t.same(stored[0]!.ticket_hash, createHash('sha256').update(challenge.mfa_ticket).digest(), 'stored as its SHA-256 only')
  const lifetime = stored[0]!.expires_at.getTime() - stored[0]!.created_at.getTime()
  t.ok(Math.abs(lifetime - 120_000) < 1000, 'lives MFA_TICKET_TTL seconds')

  const second = await secondStep(app, { mfa_ticket: challenge.mfa_ticket, code: totpCode(secret) }, { 'user-agent': 'Phone/2' })
  t.equal(second.statusCode, 200)
  const body = second.json()
  t.equal(body.message, 'Login Successful')
  t.same(body.user, { email: user.email, uid: user.uid })
  const claims = jwtClaims(body.access_token)
  t.same(claims.amr, ['pwd', 'otp', 'mfa'])
  t.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 5)
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(body.access_token) })).statusCode, 200)
  const refreshed = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(body.refresh_token) })
  t.same(jwtClaims(refreshed.json().access_token).amr, ['pwd', 'otp', 'mfa'], 'a refresh keeps how the login was made')

  const again = await secondStep(app, { mfa_ticket: challenge.mfa_ticket, code: totpCode(secret, 1) })
  t.equal(again.statusCode, 401, 'a ticket works once')
  t.equal(errorCode(again), 'invalid_mfa_ticket')
})

test('a code is accepted once: the same code with a new ticket is refused, the next step\'s is not', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  const code = totpCode(secret)
  t.equal((await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), code })).statusCode, 200)
  const replay = await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), code })
  t.equal(replay.statusCode, 403)
  t.equal(errorCode(replay), 'invalid_mfa_code')
  // The confirmation spent the step before: an older code is a replay too.
  const older = await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), code: totpCode(secret, -1) })
  t.equal(errorCode(older), 'invalid_mfa_code')
  t.equal((await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), code: totpCode(secret, 1) })).statusCode, 200, 'the next step\'s code, an app ahead by one step')
})

test('codes two steps off are refused', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  for (const offset of [-2, 2, 10]) {
    const res = await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), code: codeAt(secret, Date.now() + offset * STEP_MS) })
    t.equal(res.statusCode, 403, `${offset} steps`)
  }
})

test('unknown accounts and wrong passwords get today\'s answer whether two-factor is on or not', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  await enableTwoFactor(app, user)
  const wrong = await passwordStep(app, user.email, 'not the password at all')
  const unknown = await passwordStep(app, uniqueEmail())
  const plain = await passwordStep(app, (await signupAndLogin(app)).email, 'not the password at all')
  for (const res of [wrong, unknown, plain]) {
    t.equal(res.statusCode, 403)
    t.same(res.json(), { statusCode: 403, error: 'Forbidden', error_code: 'invalid_email_or_password', message: 'Invalid Email or Password...' })
  }
  t.equal((await app.db.selectFrom('mfa_tickets').select('user_uid').where('user_uid', '=', user.uid).execute()).length, 0, 'no ticket for a wrong password')
})

test('wrong codes count toward the account\'s failed-login limit, and a ticket survives five', async (t) => {
  const app = await build(t, { config: { LOGIN_FAILURES_PER_ACCOUNT: 7 } })
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  const ticket = await ticketFor(app, user.email)
  for (let i = 0; i < 5; i++) {
    const res = await secondStep(app, { mfa_ticket: ticket, code: wrongCode(secret, i) })
    t.equal(res.statusCode, 403)
    t.equal(errorCode(res), 'invalid_mfa_code')
  }
  const spent = await secondStep(app, { mfa_ticket: ticket, code: totpCode(secret) })
  t.equal(spent.statusCode, 401, 'the ticket is used up by five wrong codes')
  t.equal(errorCode(spent), 'invalid_mfa_ticket')

  const next = await ticketFor(app, user.email)
  t.equal((await secondStep(app, { mfa_ticket: next, code: wrongCode(secret, 9) })).statusCode, 403)
  t.equal((await secondStep(app, { mfa_ticket: next, recovery_code: 'aaaa-bbbb-cccc-dddd' })).statusCode, 403, 'a wrong recovery code counts too')
  const limited = await secondStep(app, { mfa_ticket: next, code: totpCode(secret) })
  t.equal(limited.statusCode, 429, 'seven failures: even the right code waits')
  t.equal(errorCode(limited), 'rate_limited')
  t.equal((await passwordStep(app, user.email)).statusCode, 429, 'so does the password step')

  await app.afterAnswer.settled()
  const failed = await app.db.selectFrom('security_events').select('detail').where('user_uid', '=', user.uid).where('type', '=', 'login_failed').orderBy('id').execute()
  t.same(failed.map((row) => row.detail), [...Array(6).fill({ factor: 'totp' }), { factor: 'recovery_code' }])
})

test('an expired ticket is refused and swept', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config: { MFA_TICKET_TTL: 1 } })
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  const ticket = await ticketFor(app, user.email)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const res = await secondStep(app, { mfa_ticket: ticket, code: totpCode(secret) })
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'invalid_mfa_ticket')
  const fresh = await ticketFor(app, user.email)
  t.same(await app.periodicSweeps.run(MFA_TICKETS_SWEEP), { mfa_tickets: 1 })
  const left = await app.db.selectFrom('mfa_tickets').select('ticket_hash').execute()
  t.same(left.map((row) => row.ticket_hash), [createHash('sha256').update(fresh).digest()], 'the unexpired one stays')
})

test('recovery codes log in once each, in any case and grouping, and each use is a security event', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { recoveryCodes } = await enableTwoFactor(app, user)
  const [first, second] = recoveryCodes as [string, string]

  const res = await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), recovery_code: first })
  t.equal(res.statusCode, 200)
  t.same(jwtClaims(res.json().access_token).amr, ['pwd', 'rec', 'mfa'])
  const reused = await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), recovery_code: first })
  t.equal(reused.statusCode, 403)
  t.equal(errorCode(reused), 'invalid_mfa_code')
  const grouped = second.toUpperCase().replaceAll('-', ' ')
  t.equal((await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), recovery_code: grouped })).statusCode, 200)

  const status = await app.inject({ url: '/api/v1/auth/two-factor', headers: bearer(res.json().access_token) })
  t.equal(status.json().recovery_codes_left, 8)
  await app.afterAnswer.settled()
  const used = await app.db.selectFrom('security_events').select('type').where('user_uid', '=', user.uid).where('type', '=', 'recovery_code_used').execute()
  t.equal(used.length, 2)

  const other = await signupAndLogin(app)
  await enableTwoFactor(app, other)
  const foreign = await secondStep(app, { mfa_ticket: await ticketFor(app, other.email), recovery_code: recoveryCodes[2] })
  t.equal(foreign.statusCode, 403, 'another account\'s code is no code')
})

test('concurrent second steps: one ticket, one code, one recovery code each win once', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const user = await signupAndLogin(app)
  const { secret, recoveryCodes } = await enableTwoFactor(app, user)
  const N = 8

  const ticket = await ticketFor(app, user.email)
  const sameTicket = await Promise.all(Array.from({ length: N }, () => secondStep(app, { mfa_ticket: ticket, code: totpCode(secret) })))
  t.same(sameTicket.map((res) => res.statusCode).sort(), [200, ...Array(N - 1).fill(401)], 'one ticket: one login')

  const tickets = await Promise.all(Array.from({ length: N }, () => ticketFor(app, user.email)))
  const code = totpCode(secret, 1)
  const sameCode = await Promise.all(tickets.map((mfaTicket) => secondStep(app, { mfa_ticket: mfaTicket, code })))
  t.same(sameCode.map((res) => res.statusCode).sort(), [200, ...Array(N - 1).fill(403)], 'one code: one login')

  const more = await Promise.all(Array.from({ length: N }, () => ticketFor(app, user.email)))
  const sameRecovery = await Promise.all(more.map((mfaTicket) => secondStep(app, { mfa_ticket: mfaTicket, recovery_code: recoveryCodes[0] })))
  t.same(sameRecovery.map((res) => res.statusCode).sort(), [200, ...Array(N - 1).fill(403)], 'one recovery code: one login')
  const sessions = await app.db.selectFrom('sessions').select('amr').where('user_uid', '=', user.uid).execute()
  t.same(sessions.map((row) => row.amr).sort(), ['pwd', 'pwd otp mfa', 'pwd otp mfa', 'pwd rec mfa'])
})

test('a ticket of a disabled account, or of an account whose role changed meanwhile, gives no tokens', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  const ticket = await ticketFor(app, user.email)
  await app.db.updateTable('users').set({ disabled_at: new Date() }).where('uid', '=', user.uid).execute()
  t.equal(errorCode(await secondStep(app, { mfa_ticket: ticket, code: totpCode(secret) })), 'invalid_mfa_ticket')
  await app.db.updateTable('users').set({ disabled_at: null }).where('uid', '=', user.uid).execute()
  t.equal((await secondStep(app, { mfa_ticket: await ticketFor(app, user.email), code: totpCode(secret) })).statusCode, 200)
})

test('bad second steps are 4xx in the error shape and change nothing', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { secret } = await enableTwoFactor(app, user)
  const ticket = await ticketFor(app, user.email)
  const code = totpCode(secret)
  const cases: Array<[unknown, number]> = [
    [{ mfa_ticket: ticket }, 422],
    [{ mfa_ticket: ticket, code, recovery_code: 'abcd-efgh-ijkl-mnop' }, 422],
    [{ code }, 422],
    [{ mfa_ticket: ticket, code: Number(code) }, 422],
    [{ mfa_ticket: [ticket], code }, 422],
    [{ mfa_ticket: ticket, code: `${code}\u0000` }, 422],
    [{ mfa_ticket: `${ticket}\u0000`, code }, 422],
    [{ mfa_ticket: 'x'.repeat(101), code }, 422],
    [{ mfa_ticket: ticket, code, admin: true }, 422],
    [{ mfa_ticket: ticket.toUpperCase(), code }, 401],
    [{ mfa_ticket: 'not-a-ticket', code }, 401],
    [{ mfa_ticket: ticket.slice(1), code }, 401],
    [[ticket, code], 422],
    ['ticket', 400]
  ]
  for (const [payload, status] of cases) {
    const res = typeof payload === 'string'
      ? await app.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', headers: { 'content-type': 'application/json' }, payload })
      : await secondStep(app, payload as Record<string, unknown>)
    t.equal(res.statusCode, status, JSON.stringify(payload).slice(0, 60))
    t.same(Object.keys(res.json()).filter((key) => key !== 'errors').sort(), ['error', 'error_code', 'message', 'statusCode'])
  }
  const sessions = await app.db.selectFrom('sessions').select('id').where('user_uid', '=', user.uid).execute()
  t.equal(sessions.length, 1, 'no session was opened')
  t.equal((await secondStep(app, { mfa_ticket: ticket, code })).statusCode, 200, 'the ticket and the code still work')
})

test('over a real socket: both steps, the login event and a new device recorded with the second step\'s origin', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const user = await signupAndLogin(app, {}, { 'user-agent': 'Laptop/1' })
  const { secret } = await enableTwoFactor(app, user)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const send = (path: string, body: unknown) => fetch(`${base}/api/v1/auth/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'RealSocket/1.0' }, body: JSON.stringify(body)
  })
  const first = await send('login', { email: user.email, password: PASSWORD })
  t.equal(first.status, 202)
  const { mfa_ticket: ticket } = await first.json() as { mfa_ticket: string }
  const second = await send('login/two-factor', { mfa_ticket: ticket, code: totpCode(secret) })
  t.equal(second.status, 200)
  t.equal(second.headers.get('cache-control'), 'no-store')
  const { access_token: access } = await second.json() as { access_token: string }
  await app.afterAnswer.settled()
  const events = await fetch(`${base}/api/v1/auth/security-events?limit=2`, { headers: bearer(access) })
  const [newest, login] = await events.json() as Array<{ type: string, ip: string, user_agent: string }>
  t.same({ type: newest!.type, ip: newest!.ip, user_agent: newest!.user_agent }, { type: 'new_device', ip: '127.0.0.1', user_agent: 'RealSocket/1.0' })
  t.equal(login!.type, 'login')
})
