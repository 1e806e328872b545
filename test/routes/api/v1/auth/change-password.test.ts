import { test } from 'tap'
import { build } from '../../../../helper.js'
import { signupAndLogin, login, bearer, errorCode, PASSWORD } from '../../../../helpers/fixtures.js'

const url = '/api/v1/auth/change_password'

test('change_password: new password works, old does not, every other session ends', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const other = await login(app, a.email)
  const res = await app.inject({ method: 'POST', url, headers: bearer(a.access), payload: { current_password: PASSWORD, new_password: 'a brand new secret' } })
  t.equal(res.statusCode, 200)
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/me', headers: bearer(other.access) })), 'token_revoked')
  t.equal(errorCode(await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(other.refresh) })), 'token_revoked')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(a.access) })).statusCode, 200, 'this session lives on')
  await t.rejects(login(app, a.email, PASSWORD), /login failed/)
  await t.resolves(login(app, a.email, 'a brand new secret'))
})

test('a wrong current password is 403 invalid_password and changes nothing', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const other = await login(app, a.email)
  const res = await app.inject({ method: 'POST', url, headers: bearer(a.access), payload: { current_password: 'wrong password', new_password: 'a brand new secret' } })
  t.equal(res.statusCode, 403)
  t.equal(errorCode(res), 'invalid_password')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(other.access) })).statusCode, 200)
  await t.resolves(login(app, a.email, PASSWORD))
})

test('change_password validates the new password and needs an access token', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const short = await app.inject({ method: 'POST', url, headers: bearer(a.access), payload: { current_password: PASSWORD, new_password: 'short' } })
  t.equal(short.statusCode, 422)
  t.match(short.json().message, /new_password/)
  t.equal(errorCode(await app.inject({ method: 'POST', url, payload: { current_password: PASSWORD, new_password: 'long enough' } })), 'not_authenticated')
})
