import { test } from 'tap'
import { errorCode, signupAndLogin, type LoggedIn } from '../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../helpers/jwt.js'
import { jwks, keyPairApp, me, refresh, rotate } from '../../../helpers/keys.js'
import { waitFor } from '../../../helpers/wait-for.js'
import { revokeKey } from '../../../../plugins/app/keys/key-lifecycle.js'

test('revoking a key refuses its tokens at once and ends the sessions it signed; others live on', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const before: LoggedIn = await signupAndLogin(app)
  const old = jwtHeader(before.access).kid
  t.equal((await me(app, before.access)).statusCode, 200, 'verified, and remembered')
  await t.rejects(revokeKey(app.db, old, app.config), /is the current signing key: run keys:rotate --now first/)

  await rotate(app, true)
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid !== old, 5000))
  const after = await signupAndLogin(app)

  t.equal(await revokeKey(app.db, old, app.config), 1, 'one session was signed by it')
  // The session's revocation and the key's may reach the instance in either order: both refuse.
  t.ok(await waitFor(async () => (await me(app, before.access)).statusCode === 401, 5000), 'its access token is refused')
  t.ok(await waitFor(async () => !(await jwks(app)).some((key) => key.kid === old), 5000), 'the instance dropped the key')
  t.equal(errorCode(await me(app, before.access)), 'invalid_token')
  t.equal(errorCode(await refresh(app, before.refresh)), 'invalid_token')
  const session = await app.db.selectFrom('sessions').select(['revoked_reason', 'revoked_at']).where('id', '=', jwtClaims(before.access).sid).executeTakeFirstOrThrow()
  t.equal(session.revoked_reason, 'key_revoked')
  t.ok(session.revoked_at)

  t.equal((await me(app, after.access)).statusCode, 200, 'a session of the new key lives on')
  await t.rejects(revokeKey(app.db, old, app.config), /already revoked/)
  await t.rejects(revokeKey(app.db, 'no-such-key', app.config), /no key with id no-such-key/)
})
