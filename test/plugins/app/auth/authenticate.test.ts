import { test } from 'tap'
import { build } from '../../../helper.js'
import { bearer, signupAndLogin } from '../../../helpers/fixtures.js'
import { head, listen, rawRequest } from '../../../helpers/raw-http.js'

const badRequest = { statusCode: 400, error: 'Bad Request', error_code: 'bad_request', message: 'Send one Authorization header, not several' }

// Over a socket: inject merges repeated headers before the app sees them.
const get = (port: number, path: string, ...headers: string[]) =>
  rawRequest(port, head(`GET ${path} HTTP/1.1`, 'Host: x', 'Connection: close', ...headers))

test('two Authorization headers are a 400 on every guarded route, whichever comes first', async (t) => {
  // No reuse window: a refresh the 400 let through would make the later one a replay.
  const app = await build(t, { config: { REFRESH_REUSE_WINDOW: 0 } })
  const port = await listen(t, app)
  const user = await signupAndLogin(app)
  const pairs = (token: string) => [
    [`Authorization: Bearer ${token}`, 'Authorization: Bearer not-a-token'],
    ['Authorization: Bearer not-a-token', `Authorization: Bearer ${token}`],
    [`Authorization: Bearer ${token}`, `authorization: Bearer ${token}`],
    [`AUTHORIZATION: Bearer ${token}`, 'Authorization: ']
  ]
  const routes = [
    { path: '/api/v1/auth/me', token: user.access },
    { path: '/api/v1/auth/verify', token: user.access },
    { path: '/api/v1/books', token: user.access },
    { path: '/api/v1/auth/refresh_token', token: user.refresh },
    // Last: with one header it ends the session.
    { path: '/api/v1/auth/logout?scope=global', token: user.access }
  ]
  for (const { path, token } of routes) {
    for (const headers of pairs(token)) {
      const res = await get(port, path, ...headers)
      t.equal(res.status, 400, `${path}: ${headers.map((h) => h.slice(0, 20)).join(' + ')}`)
      t.same(JSON.parse(res.body), badRequest)
      t.match(res.headers, app.securityHeaders)
    }
    t.equal((await get(port, path, `Authorization: Bearer ${token}`)).status, 200, `${path}: one header still works`)
  }

  // Refused requests change nothing: the refresh token is still unused, the session still open.
  const session = await signupAndLogin(app)
  for (const headers of pairs(session.refresh)) t.equal((await get(port, '/api/v1/auth/refresh_token', ...headers)).status, 400)
  for (const headers of pairs(session.access)) t.equal((await get(port, '/api/v1/auth/logout?scope=global', ...headers)).status, 400)
  const refreshed = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(session.refresh) })
  t.equal(refreshed.statusCode, 200, 'the refresh token was not rotated by the refused requests')
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: bearer(session.access) })).statusCode, 200, 'nor the session ended')
})
