import { test } from 'tap'
import { build, signupBody, bearer } from './helper.js'

test('no log line carries a password, a token or a hash', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { logLines })
  const body = signupBody({ password: 'p4ssw0rd-in-the-logs?' })
  await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: 'wrong-password-guess' } })
  const login = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: body.password } })).json()
  const refreshed = (await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(login.refresh_token) })).json()
  await app.inject({ url: `/api/v1/auth/me?access_token=${login.access_token}`, headers: bearer(refreshed.access_token) })
  await app.inject({ url: '/api/v1/auth/logout', headers: { ...bearer(refreshed.access_token), cookie: 'session=secret-cookie' } })
  const hash = (await app.usersRepository.findByEmail(body.email))?.password_hash ?? 'missing'

  const log = logLines.join('')
  t.ok(logLines.length > 10, 'requests were logged (trace level)')
  t.match(log, /login succeeded/)
  t.match(log, /login failed/)
  for (const secret of [body.password, 'wrong-password-guess', login.access_token, login.refresh_token,
    refreshed.access_token, refreshed.refresh_token, hash, 'secret-cookie']) {
    t.notOk(log.includes(secret), `not logged: ${secret.slice(0, 12)}…`)
  }
  // The signature alone must not leak either (a token split across fields).
  t.notOk(log.includes(login.access_token.split('.')[2]))
})
