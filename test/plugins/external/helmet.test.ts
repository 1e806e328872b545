import { test } from 'tap'
import { build } from '../../helper.js'
import { signupAndLogin, bearer } from '../../helpers/fixtures.js'

const apiHeaders = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store'
}

test('every API response carries the security headers, errors included', async (t) => {
  const app = await build(t)
  const { access } = await signupAndLogin(app)
  const responses = [
    await app.inject({ url: '/health' }),
    await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) }),
    await app.inject({ url: '/api/v1/auth/me' }),
    await app.inject({ url: '/no/such/route' }),
    await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x' } })
  ]
  for (const res of responses) {
    t.match(res.headers, apiHeaders, `${res.statusCode}`)
    t.equal(res.headers['x-powered-by'], undefined)
  }
})
