import { test } from 'tap'
import { build } from '../../helper.js'

const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/api/v1/auth/login',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
})

test('CORS_ORIGINS empty: no cross-origin access', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example.com' } })
  t.equal(res.headers['access-control-allow-origin'], undefined)
  const pre = await app.inject(preflight('https://app.example.com'))
  t.equal(pre.headers['access-control-allow-origin'], undefined)
})

test('CORS_ORIGINS lists the origins allowed, and only those', async (t) => {
  const app = await build(t, { config: { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' } })
  for (const origin of ['https://app.example.com', 'https://admin.example.com']) {
    const pre = await app.inject(preflight(origin))
    t.equal(pre.statusCode, 204)
    t.equal(pre.headers['access-control-allow-origin'], origin)
    t.match(pre.headers['access-control-allow-methods'], /POST/)
  }
  const evil = await app.inject(preflight('https://evil.example.com'))
  t.equal(evil.headers['access-control-allow-origin'], undefined)
  const get = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example.com' } })
  t.equal(get.headers['access-control-allow-origin'], 'https://app.example.com')
})
