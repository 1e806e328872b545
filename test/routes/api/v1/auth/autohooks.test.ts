import { test } from 'tap'
import { build } from '../../../../helper.js'
import { signupBody, bearer, PASSWORD } from '../../../../helpers/fixtures.js'

test('every response that carries a token, and every other auth response, is Cache-Control: no-store', async (t) => {
  const app = await build(t)
  const body = signupBody()
  const responses = {
    signup: await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body }),
    login: await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: PASSWORD } }),
    failedLogin: await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: 'wrong' } })
  }
  const { access_token: access, refresh_token: refresh } = responses.login.json()
  t.ok(access && refresh)
  const more = {
    refresh: await app.inject({ method: 'GET', url: '/api/v1/auth/refresh_token', headers: bearer(refresh) }),
    me: await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(access) }),
    unauthenticated: await app.inject({ method: 'GET', url: '/api/v1/auth/me' })
  }
  t.ok(more.refresh.json().access_token, 'refresh returned tokens')
  for (const [name, res] of Object.entries({ ...responses, ...more })) {
    t.equal(res.headers['cache-control'], 'no-store', name)
  }
})
