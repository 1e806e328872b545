import { test } from 'tap'
import { build } from '../../../helper.js'
import { freshDatabase } from '../../../helpers/databases.js'
import { errorCode, signupAndLogin } from '../../../helpers/fixtures.js'
import { jwtClaims, jwtHeader } from '../../../helpers/jwt.js'
import { jwks, me, refresh, signToken } from '../../../helpers/keys.js'

test('HS256 with JWT_PREVIOUS_SECRETS: tokens of a former secret keep working, new ones use JWT_SECRET', async (t) => {
  const database = await freshDatabase()
  const oldSecret = 'the former secret of at least thirty-two characters'
  const newSecret = 'the new secret of at least thirty-two characters too'
  const before = await build(t, { database, config: { JWT_SECRET: oldSecret } })
  const user = await signupAndLogin(before)

  const changed = await build(t, { database, config: { JWT_SECRET: newSecret, JWT_PREVIOUS_SECRETS: `x${'y'.repeat(40)},${oldSecret}` } })
  t.equal((await me(changed, user.access)).statusCode, 200, 'the old access token verifies')
  const refreshed = await refresh(changed, user.refresh)
  t.equal(refreshed.statusCode, 200, 'the old refresh token refreshes')
  const pair = refreshed.json()
  t.notOk('kid' in jwtHeader(pair.access_token), 'HMAC tokens carry no kid')
  t.equal(errorCode(await me(before, pair.access_token)), 'invalid_token', 'the new pair is signed with the new secret')
  t.equal((await me(changed, pair.access_token)).statusCode, 200)

  const dropped = await build(t, { database, config: { JWT_SECRET: newSecret } })
  const fresh = await signupAndLogin(before)
  t.equal(errorCode(await me(dropped, fresh.access)), 'invalid_token', 'without the former secret listed, its tokens are refused')
  t.equal((await jwks(changed)).length, 0, 'HMAC secrets are never published')
  const forged = signToken({ ...jwtHeader(fresh.access), kid: 'any' }, jwtClaims(fresh.access), { secret: oldSecret })
  t.equal(errorCode(await me(changed, forged)), 'invalid_token', 'an HMAC token naming a kid is refused')
})

test('JWT_PREVIOUS_SECRETS must list secrets of at least 32 characters', async (t) => {
  for (const value of ['short', `${'a'.repeat(40)},short`, `${'a'.repeat(40)},`]) {
    await t.rejects(build(t, { config: { JWT_PREVIOUS_SECRETS: value } }), /JWT_PREVIOUS_SECRETS/, value)
  }
})

test('the JWKS may be cached for less than the publish delay; under HMAC it is empty', async (t) => {
  for (const [delay, maxAge] of [[60, 20], [900, 300], [86400, 300], [0, 0]]) {
    const app = await build(t, { config: { KEY_PUBLISH_DELAY: delay } })
    const res = await app.inject({ url: '/.well-known/jwks.json' })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], `public, max-age=${maxAge}`, `KEY_PUBLISH_DELAY ${delay}`)
    t.same(res.json(), { keys: [] })
  }
})
