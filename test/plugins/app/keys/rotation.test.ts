import { test } from 'tap'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { freshDatabase } from '../../../helpers/databases.js'
import { errorCode, signupAndLogin } from '../../../helpers/fixtures.js'
import { jwtHeader } from '../../../helpers/jwt.js'
import { jwks, keyIn, keyPairApp, keyRows, me, refresh, rotate } from '../../../helpers/keys.js'
import { waitFor } from '../../../helpers/wait-for.js'

test('a next key is published at once and does not sign until the publish delay has passed', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const current = await keyIn(app, 'current')
  const rotation = await rotate(app, false)
  t.not(rotation.kid, current.kid)
  t.ok(rotation.signsFrom.getTime() > Date.now() + 800_000, 'signs after the 900 s default delay')
  t.ok(await waitFor(async () => (await jwks(app)).length === 2, 5000), 'published with the current key')
  t.same((await jwks(app)).map((key) => key.kid).sort(), [current.kid, rotation.kid].sort())

  const user = await signupAndLogin(app)
  t.equal(jwtHeader(user.access).kid, current.kid, 'the current key still signs')
  const refreshed = await refresh(app, user.refresh)
  t.equal(jwtHeader(refreshed.json().access_token).kid, current.kid)

  await t.rejects(rotate(app, false), /already waits to sign from .*--now/, 'a second rotation while one waits is refused')

  // Its time comes (as if the delay had passed): the instance makes it current by itself.
  await app.db.updateTable('signing_keys').set({ activates_at: sql`now() - interval '1 second'` }).where('kid', '=', rotation.kid).execute()
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid === rotation.kid, 5000), 'the next key signs once due')
  t.equal((await keyIn(app, 'previous')).kid, current.kid)
  t.equal((await me(app, user.access)).statusCode, 200, 'tokens of the former key still verify')
})

test('rotation logs no one out: the previous key verifies and refreshes into the new key', async (t) => {
  const app = await keyPairApp(t, 'ES256')
  const user = await signupAndLogin(app)
  const old = jwtHeader(user.access).kid
  const rotation = await rotate(app, true)
  t.equal(rotation.previous, old)
  t.ok(await waitFor(async () => jwtHeader((await signupAndLogin(app)).access).kid === rotation.kid, 5000), 'the new key signs')

  t.equal((await me(app, user.access)).statusCode, 200, 'the old access token verifies')
  const refreshed = await refresh(app, user.refresh)
  t.equal(refreshed.statusCode, 200, 'the old refresh token refreshes')
  t.equal(jwtHeader(refreshed.json().access_token).kid, rotation.kid, 'into a pair of the new key')
  t.same((await jwks(app)).map((key) => key.kid).sort(), [old, rotation.kid].sort(), 'both published')
})

test('a previous key retires once every token it signed has expired; its tokens are then refused', async (t) => {
  const app = await keyPairApp(t, 'EdDSA')
  const user = await signupAndLogin(app)
  const old = jwtHeader(user.access).kid
  await rotate(app, true)
  t.equal((await me(app, user.access)).statusCode, 200, 'verified (and remembered) while previous')

  // As if the refresh-token lifetime and the skew had passed since it stopped signing.
  await app.db.updateTable('signing_keys').set({ state_at: sql`now() - interval '3 days'` }).where('kid', '=', old).execute()
  t.ok(await waitFor(async () => (await me(app, user.access)).statusCode === 401, 5000), 'refused once retired')
  t.equal(errorCode(await me(app, user.access)), 'invalid_token')
  t.equal(errorCode(await refresh(app, user.refresh)), 'invalid_token')
  t.equal((await keyRows(app)).find((key) => key.kid === old)?.state, 'retired')
  t.notOk((await jwks(app)).some((key) => key.kid === old), 'no longer published')
})

test('two instances on one database agree on the current key after a rotation', async (t) => {
  const database = await freshDatabase()
  const one = await keyPairApp(t, 'EdDSA', database)
  const two = await keyPairApp(t, 'EdDSA', database)
  const first = await signupAndLogin(one)
  t.equal(jwtHeader((await signupAndLogin(two)).access).kid, jwtHeader(first.access).kid, 'one key for both')

  const rotation = await rotate(one, true)
  const signsWith = async (app: FastifyInstance) => jwtHeader((await signupAndLogin(app)).access).kid === rotation.kid
  t.ok(await waitFor(() => signsWith(two), 5000), 'the other instance signs with the new key within seconds')
  t.ok(await signsWith(one))
  const fromTwo = await signupAndLogin(two)
  t.equal((await me(one, fromTwo.access)).statusCode, 200, 'each verifies the other\'s new tokens')
  t.equal((await me(two, first.access)).statusCode, 200, 'and the tokens of the previous key')
  t.same((await jwks(one)).map((key) => key.kid).sort(), (await jwks(two)).map((key) => key.kid).sort(), 'both publish the same keys')
})
