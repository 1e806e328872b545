import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from '../../../../helper.js'
import { bearer, errorCode, PASSWORD, signupAdmin, signupAndLogin } from '../../../../helpers/fixtures.js'

// Runs `change` while the login's password check is in flight, as an admin's request could.
function duringPasswordCheck (app: FastifyInstance, change: () => Promise<void>): void {
  const verify = app.passwords.verify
  app.passwords.verify = async (hash, password) => {
    const ok = await verify(hash, password)
    app.passwords.verify = verify
    await change()
    return ok
  }
}

const liveSessions = (app: FastifyInstance, uid: string) =>
  app.db.selectFrom('sessions').select('id').where('user_uid', '=', uid).where('revoked_at', 'is', null).execute()

const login = (app: FastifyInstance, email: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } })

test('an account disabled while its login is checking the password gets no session', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  duringPasswordCheck(app, async () => {
    await app.usersRepository.changeAccount(user.uid, { disabled: true })
    await app.sessionService.endUserSessions(user.uid, 'user_disabled')
  })
  const res = await login(app, user.email)
  t.equal(res.statusCode, 403)
  t.equal(errorCode(res), 'invalid_email_or_password')
  t.same(await liveSessions(app, user.uid), [])
})

test('a role changed while the login is checking the password leaves no token with the old role', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  duringPasswordCheck(app, async () => {
    await app.usersRepository.changeAccount(user.uid, { role: 'admin' })
    await app.sessionService.endUserSessions(user.uid, 'role_changed')
  })
  const res = await login(app, user.email)
  t.equal(errorCode(res), 'invalid_email_or_password')
  t.same(await liveSessions(app, user.uid), [])

  const again = await login(app, user.email)
  t.equal(again.statusCode, 200, 'the next login works')
  const admin = await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(again.json().access_token) })
  t.equal(admin.statusCode, 200, 'and carries the new role')
  t.equal((await liveSessions(app, user.uid)).length, 1)
})

test('a login with nothing changed meanwhile keeps its session', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  duringPasswordCheck(app, async () => {})
  t.equal((await login(app, user.email)).statusCode, 200)
  t.equal((await liveSessions(app, user.uid)).length, 2)
})

test('an account deleted while its login is checking the password: 403, not a 500', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  duringPasswordCheck(app, async () => {
    await app.db.deleteFrom('users').where('uid', '=', user.uid).execute()
  })
  const res = await login(app, user.email)
  t.equal(res.statusCode, 403)
  t.equal(errorCode(res), 'invalid_email_or_password')
})

// Real interleavings: logins started a few ms apart, and an admin's disable landing among them, so
// some logins open their session before the disable, some during it and some after.
test('logins racing an admin disabling the account: no session and no token outlives the disable', async (t) => {
  const app = await build(t)
  const admin = await signupAdmin(app)
  const user = await signupAndLogin(app)
  const logins = Array.from({ length: 12 }, async (_, i) => {
    await sleep(i * 15)
    return login(app, user.email)
  })
  const disable = sleep(90).then(() => app.inject({
    method: 'PATCH', url: `/api/v1/admin/users/${user.uid}`, headers: bearer(admin.access), payload: { disabled: true }
  }))
  const [results, disabled] = await Promise.all([Promise.all(logins), disable])
  t.equal(disabled.statusCode, 200)
  t.same(await liveSessions(app, user.uid), [], 'every session of the account is ended')
  for (const res of results) {
    t.ok([200, 403].includes(res.statusCode), `login answered ${res.statusCode}`)
    if (res.statusCode !== 200) continue
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(res.json().access_token) })
    t.equal(me.statusCode, 401, 'an access token from before the disable is refused')
    const refresh = await app.inject({ method: 'GET', url: '/api/v1/auth/refresh_token', headers: bearer(res.json().refresh_token) })
    t.equal(refresh.statusCode, 401, 'so is its refresh token')
  }
  t.equal((await login(app, user.email)).statusCode, 403, 'and a login after it fails')
})
