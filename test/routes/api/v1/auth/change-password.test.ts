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
  t.equal(errorCode(await app.inject({ method: 'POST', url, payload: { current_password: PASSWORD, new_password: 'a brand new secret' } })), 'not_authenticated')
})

test('a weak new password is 422 weak_password naming /body/new_password, and changes nothing', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const other = await login(app, a.email)
  const before = await app.usersRepository.findByUid(a.uid)
  const res = await app.inject({ method: 'POST', url, headers: bearer(a.access), payload: { current_password: PASSWORD, new_password: 'qwertyuiop123' } })
  const message = 'This password is too easy to guess. This is similar to a commonly used password. Add more words that are less common.'
  t.same(res.json(), { statusCode: 422, error: 'Unprocessable Entity', error_code: 'weak_password', message, errors: [{ path: '/body/new_password', message }] })
  t.equal((await app.usersRepository.findByUid(a.uid))?.password_hash, before?.password_hash, 'the hash is unchanged')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(other.access) })).statusCode, 200, 'the other session lives on')
  await t.resolves(login(app, a.email, PASSWORD))
})

test('the policy judges the new password only once the current one is verified', async (t) => {
  const app = await build(t)
  const a = await signupAndLogin(app)
  const res = await app.inject({ method: 'POST', url, headers: bearer(a.access), payload: { current_password: 'wrong password', new_password: 'qwertyuiop123' } })
  t.equal(errorCode(res), 'invalid_password')
})

test('the account\'s own words count against the new password; for another account the same one is fine', async (t) => {
  const app = await build(t)
  const own = await signupAndLogin(app, { username: 'vexmoriandl', first_name: 'Pellowyth', last_name: 'Drancasterix' })
  const refused = await app.inject({ method: 'POST', url, headers: bearer(own.access), payload: { current_password: PASSWORD, new_password: 'vexmoriandl2024' } })
  t.match(refused.json(), { error_code: 'weak_password', errors: [{ path: '/body/new_password', message: /personal or page related data/ }] })
  const other = await signupAndLogin(app)
  const changed = await app.inject({ method: 'POST', url, headers: bearer(other.access), payload: { current_password: PASSWORD, new_password: 'vexmoriandl2024' } })
  t.equal(changed.statusCode, 200)
})
