// Turning two-factor login on and off: enrolment (the secret shown once, stored sealed), the first
// code, the status, recovery codes and their regeneration, and step-up where the issue asks for it.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, TEST_SECRET } from '../../../../helper.js'
import { freshDatabase } from '../../../../helpers/databases.js'
import { agedLogin, bearer, errorCode, login, signupAndLogin, PASSWORD, type LoggedIn } from '../../../../helpers/fixtures.js'
import { enableTwoFactor, totpCode, wrongCode } from '../../../../helpers/two-factor.js'
import { sealingKey, unseal } from '../../../../../plugins/app/keys/sealing.js'

const BASE = '/api/v1/auth/two-factor'

const post = (app: FastifyInstance, path: string, user: LoggedIn, payload?: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: `${BASE}${path}`, headers: bearer(user.access), ...(payload === undefined ? {} : { payload }) })

async function status (app: FastifyInstance, user: LoggedIn) {
  const res = await app.inject({ url: BASE, headers: bearer(user.access) })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json()
}

async function eventTypes (app: FastifyInstance, uid: string): Promise<string[]> {
  await app.afterAnswer.settled()
  const rows = await app.db.selectFrom('security_events').select('type').where('user_uid', '=', uid).orderBy('id', 'desc').execute()
  return rows.map((row) => row.type)
}

test('enrolment: a secret, its URI and QR code, shown once and stored sealed; nothing is on until a code confirms it', async (t) => {
  const app = await build(t, { config: { TOTP_ISSUER: 'Bookly Test' } })
  const user = await signupAndLogin(app)
  t.same(await status(app, user), { enabled: false, enabled_at: null, pending: false, recovery_codes_left: 0 })

  const res = await post(app, '/enrol', user)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const { secret, otpauth_uri: uri, qr_code: qr } = res.json()
  t.match(secret, /^[A-Z2-7]{32}$/)
  t.equal(uri, `otpauth://totp/Bookly%20Test:${encodeURIComponent(user.email)}?issuer=Bookly%20Test&secret=${secret}&algorithm=SHA1&digits=6&period=30`)
  t.match(qr, /^data:image\/png;base64,/)

  const row = await app.db.selectFrom('two_factor').selectAll().where('user_uid', '=', user.uid).executeTakeFirstOrThrow()
  t.notOk(row.secret.includes(secret), 'the stored secret is not the secret')
  t.equal(unseal([sealingKey(TEST_SECRET, 'totp-secret')], user.uid, row.secret), secret, 'it is sealed under JWT_SECRET, for this account')
  t.equal(unseal([sealingKey(TEST_SECRET, 'totp-secret')], (await signupAndLogin(app)).uid, row.secret), undefined, 'and opens for no other account')
  t.equal(row.enabled_at, null)
  t.same(await status(app, user), { enabled: false, enabled_at: null, pending: true, recovery_codes_left: 0 })
  t.notOk(JSON.stringify(await status(app, user)).includes(secret), 'the status never shows the secret')

  // Still off: the password alone logs in.
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })).statusCode, 200)

  const again = await post(app, '/enrol', user)
  t.not(again.json().secret, secret, 'enrolling again replaces the pending secret')
  const stale = await post(app, '/confirm', user, { code: totpCode(secret) })
  t.equal(stale.statusCode, 403, 'the replaced secret\'s code does not confirm')
  t.equal(errorCode(stale), 'invalid_mfa_code')
})

test('confirming: a wrong code changes nothing; the right one turns it on and shows ten recovery codes once', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  t.equal(errorCode(await post(app, '/confirm', user, { code: '123456' })), 'two_factor_not_pending', 'nothing to confirm yet')
  const { secret } = (await post(app, '/enrol', user)).json()

  const wrong = await post(app, '/confirm', user, { code: wrongCode(secret) })
  t.equal(wrong.statusCode, 403)
  t.equal(errorCode(wrong), 'invalid_mfa_code')
  t.equal((await status(app, user)).enabled, false)

  const res = await post(app, '/confirm', user, { code: totpCode(secret) })
  t.equal(res.statusCode, 200)
  const { message, recovery_codes: codes } = res.json()
  t.equal(message, 'Two-factor login is on')
  t.equal(codes.length, 10)
  t.equal(new Set(codes).size, 10)
  const stored = await app.db.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_uid', '=', user.uid).execute()
  t.equal(stored.length, 10)
  t.notOk(stored.some((row) => codes.some((code: string) => row.code_hash.toString('utf8').includes(code))), 'stored as hashes')

  const after = await status(app, user)
  t.same({ ...after, enabled_at: typeof after.enabled_at }, { enabled: true, enabled_at: 'string', pending: false, recovery_codes_left: 10 })
  t.equal(errorCode(await post(app, '/confirm', user, { code: totpCode(secret, 1) })), 'two_factor_not_pending', 'on already')
  t.equal(errorCode(await post(app, '/enrol', user)), 'two_factor_already_enabled')
  t.equal((await post(app, '/enrol', user)).statusCode, 409)
  t.same((await eventTypes(app, user.uid)).slice(0, 1), ['two_factor_enabled'])
  t.notOk(JSON.stringify(await status(app, user)).includes(codes[0]), 'the codes are never shown again')
})

test('wrong codes at confirmation count toward the account\'s failed-login limit', async (t) => {
  const app = await build(t, { config: { LOGIN_FAILURES_PER_ACCOUNT: 3 } })
  const user = await signupAndLogin(app)
  const { secret } = (await post(app, '/enrol', user)).json()
  for (let i = 0; i < 3; i++) t.equal((await post(app, '/confirm', user, { code: wrongCode(secret, i) })).statusCode, 403)
  const limited = await post(app, '/confirm', user, { code: totpCode(secret) })
  t.equal(limited.statusCode, 429, 'even the right code waits now')
  t.equal(errorCode(limited), 'rate_limited')
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })).statusCode, 429, 'and so does the login form')
  t.equal((await status(app, user)).enabled, false)
})

test('enrolment and new recovery codes need a recent login', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const old = await agedLogin(app, user)
  const res = await post(app, '/enrol', old)
  t.equal(res.statusCode, 401)
  t.equal(errorCode(res), 'recent_login_required')
  t.equal(await app.db.selectFrom('two_factor').select('user_uid').where('user_uid', '=', user.uid).executeTakeFirst(), undefined, 'nothing stored')

  const fresh = await login(app, user.email)
  const { recoveryCodes } = await enableTwoFactor(app, fresh)
  const refused = await post(app, '/recovery-codes', await agedLogin(app, fresh))
  t.equal(errorCode(refused), 'recent_login_required')
  const left = await app.db.selectFrom('recovery_codes').select('code_hash').where('user_uid', '=', user.uid).execute()
  t.equal(left.length, recoveryCodes.length, 'the codes are unchanged')
})

test('new recovery codes replace the old set', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  t.equal(errorCode(await post(app, '/recovery-codes', user)), 'two_factor_not_enabled')
  const { recoveryCodes: before } = await enableTwoFactor(app, user)
  const res = await post(app, '/recovery-codes', user)
  t.equal(res.statusCode, 200)
  const after: string[] = res.json().recovery_codes
  t.equal(after.length, 10)
  t.notOk(after.some((code) => before.includes(code)))
  t.same((await eventTypes(app, user.uid))[0], 'recovery_codes_regenerated')
  t.equal((await status(app, user)).recovery_codes_left, 10)
})

test('turning it off needs a recent login, the password and a code; then the password alone logs in again', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  t.equal(errorCode(await post(app, '/disable', user, { password: PASSWORD, code: '123456' })), 'two_factor_not_enabled')
  const { secret, recoveryCodes } = await enableTwoFactor(app, user)

  const old = await post(app, '/disable', await agedLogin(app, user), { password: PASSWORD, code: totpCode(secret) })
  t.equal(old.statusCode, 401)
  t.equal(errorCode(old), 'recent_login_required')

  await t.rejects(login(app, user.email), 'with two-factor on, the password alone gives no tokens')

  // A session logged in to just now, through both steps.
  const ticket = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })).json().mfa_ticket
  const second = await app.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', payload: { mfa_ticket: ticket, recovery_code: recoveryCodes[0] } })
  t.equal(second.statusCode, 200)
  const current: LoggedIn = { ...user, access: second.json().access_token, refresh: second.json().refresh_token }

  const wrongPassword = await post(app, '/disable', current, { password: 'not the password at all', code: totpCode(secret) })
  t.equal(wrongPassword.statusCode, 403)
  t.equal(errorCode(wrongPassword), 'invalid_password')
  const wrongCode = await post(app, '/disable', current, { password: PASSWORD, recovery_code: recoveryCodes[0] })
  t.equal(wrongCode.statusCode, 403, 'a used recovery code')
  t.equal(errorCode(wrongCode), 'invalid_mfa_code')
  t.equal((await status(app, current)).enabled, true, 'still on')

  const res = await post(app, '/disable', current, { password: PASSWORD, code: totpCode(secret) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { message: 'Two-factor login is off' })
  t.same(await status(app, current), { enabled: false, enabled_at: null, pending: false, recovery_codes_left: 0 })
  t.equal((await app.db.selectFrom('recovery_codes').select('code_hash').where('user_uid', '=', user.uid).execute()).length, 0, 'the codes are gone')
  t.equal(await app.db.selectFrom('two_factor').select('user_uid').where('user_uid', '=', user.uid).executeTakeFirst(), undefined, 'and the secret')
  await t.resolves(login(app, user.email), 'the password alone logs in')
  const types = await eventTypes(app, user.uid)
  t.ok(types.indexOf('two_factor_disabled') < types.indexOf('recovery_code_used'), 'newest first')
  t.ok(types.includes('two_factor_enabled'))
})

test('bad bodies are 422 in the error shape and store nothing', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const { secret } = (await post(app, '/enrol', user)).json()
  for (const code of ['12345', '1234567', 123456, '12345a', '12345\u0000', ['123456'], null, '', 'x'.repeat(100_000)]) {
    const res = await post(app, '/confirm', user, { code })
    t.equal(res.statusCode, 422, JSON.stringify(code).slice(0, 40))
    t.equal(res.json().errors[0].path, '/body/code')
  }
  for (const payload of [{}, { code: totpCode(secret), extra: 1 }, { CODE: totpCode(secret) }]) {
    const res = await post(app, '/confirm', user, payload)
    t.equal(res.statusCode, 422, JSON.stringify(payload))
  }
  const notJson = await app.inject({ method: 'POST', url: `${BASE}/confirm`, headers: { ...bearer(user.access), 'content-type': 'application/json' }, payload: '{"code": "1234' })
  t.equal(notJson.statusCode, 400)
  t.equal((await status(app, user)).enabled, false, 'nothing was turned on')

  await enableTwoFactor(app, await login(app, user.email))
  const fresh = await signupAndLogin(app)
  for (const payload of [{ password: PASSWORD }, { password: PASSWORD, code: '123456', recovery_code: 'abcd-efgh-ijkl-mnop' }]) {
    const res = await post(app, '/disable', fresh, payload)
    t.equal(res.statusCode, 422, JSON.stringify(payload))
    t.same(res.json().errors.map((error: { path: string }) => error.path), ['/body/code', '/body/recovery_code'])
    t.match(res.json().message, /either code or recovery_code/)
  }
  for (const recovery of ['abcd-efgh-ijkl-mno', 'abcd_efgh_ijkl_mnop', 'abcd-efgh-ijkl-mno1', 'abcd-efgh-ijkl-mnop-']) {
    const res = await post(app, '/disable', fresh, { password: PASSWORD, recovery_code: recovery })
    t.equal(res.statusCode, 422, recovery)
  }
  t.equal((await app.inject({ method: 'POST', url: `${BASE}/enrol` })).statusCode, 401, 'a token is needed')
  t.equal(errorCode(await app.inject({ url: BASE, headers: bearer(user.refresh) })), 'access_token_required')
})

test('secrets sealed under a former JWT_SECRET still open once it is listed in JWT_PREVIOUS_SECRETS', async (t) => {
  const database = await freshDatabase()
  const before = await build(t, { database })
  const user = await signupAndLogin(before)
  const { secret } = await enableTwoFactor(before, user)

  const rotated = await build(t, { database, config: { JWT_SECRET: 'a'.repeat(64), JWT_PREVIOUS_SECRETS: TEST_SECRET } })
  const ticket = (await rotated.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })).json().mfa_ticket
  const res = await rotated.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', payload: { mfa_ticket: ticket, code: totpCode(secret) } })
  t.equal(res.statusCode, 200)

  const forgotten = await build(t, { database, config: { JWT_SECRET: 'b'.repeat(64) }, logLines: [] })
  const lost = (await forgotten.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })).json().mfa_ticket
  const refused = await forgotten.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', payload: { mfa_ticket: lost, code: totpCode(secret, 1) } })
  t.equal(refused.statusCode, 403, 'a secret that opens with no key is a wrong code, not a 500')
})

test('no log line holds the secret, a code, a recovery code or a ticket', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { logLines })
  const user = await signupAndLogin(app)
  const { secret, recoveryCodes } = await enableTwoFactor(app, user)
  const ticket = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: PASSWORD } })).json().mfa_ticket
  await app.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', payload: { mfa_ticket: ticket, code: wrongCode(secret) } })
  const done = await app.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', payload: { mfa_ticket: ticket, recovery_code: recoveryCodes[0] } })
  t.equal(done.statusCode, 200)
  const log = logLines.join('')
  t.ok(log.includes('two-factor'), 'the flow was logged')
  for (const secretText of [secret, ticket, ...recoveryCodes, recoveryCodes[0]!.replaceAll('-', '')]) t.notOk(log.includes(secretText), 'not in the log')
})
