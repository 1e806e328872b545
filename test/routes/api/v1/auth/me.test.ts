import { test } from 'tap'
import { build, signupAndLogin, bearer } from '../../../../helper.js'

test('GET /me returns the user from the database', async (t) => {
  const app = await build(t)
  const { access, uid, email } = await signupAndLogin(app, { username: 'bookworm' })
  await app.db.updateTable('users').set({ first_name: 'Changed' }).where('uid', '=', uid).execute()
  const res = await app.inject({ url: '/api/v1/auth/me', headers: bearer(access) })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { uid, email, username: 'bookworm', first_name: 'Changed', role: 'user' })
  t.notMatch(res.body, /argon2|password/)
})
