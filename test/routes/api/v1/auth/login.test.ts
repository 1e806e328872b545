import { test } from 'tap'
import argon2 from 'argon2'
import { build } from '../../../../helper.js'
import { signupAndLogin, signupBody, login, uniqueEmail, errorCode, PASSWORD } from '../../../../helpers/fixtures.js'

const url = '/api/v1/auth/login'

test('login answers with the seed contract: message, tokens, user', async (t) => {
  const app = await build(t)
  const body = signupBody()
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  const res = await app.inject({ method: 'POST', url, payload: { email: body.email, password: body.password } })
  t.equal(res.statusCode, 200)
  const json = res.json()
  t.same(Object.keys(json).sort(), ['access_token', 'message', 'refresh_token', 'user'])
  t.equal(json.message, 'Login Successful')
  t.same(json.user, { email: body.email, uid: signup.json().uid })
  t.equal(res.headers['cache-control'], 'no-store')
})

test('login normalises the e-mail like signup does', async (t) => {
  const app = await build(t)
  const { email } = await signupAndLogin(app)
  const res = await app.inject({ method: 'POST', url, payload: { email: `  ${email.toUpperCase()}`, password: PASSWORD } })
  t.equal(res.statusCode, 200)
})

test('unknown e-mail and wrong password give the identical 403 body', async (t) => {
  const app = await build(t)
  const { email } = await signupAndLogin(app)
  const wrong = await app.inject({ method: 'POST', url, payload: { email, password: 'not the password' } })
  const unknown = await app.inject({ method: 'POST', url, payload: { email: uniqueEmail('ghost'), password: PASSWORD } })
  t.equal(wrong.statusCode, 403)
  t.equal(unknown.statusCode, 403)
  t.equal(wrong.body, unknown.body)
  t.same(wrong.json(), { statusCode: 403, error: 'Forbidden', error_code: 'invalid_email_or_password', message: 'Invalid Email or Password...' })
})

test('an unknown e-mail still costs one argon2 verification', async (t) => {
  const app = await build(t)
  const calls: string[] = []
  const original = argon2.verify
  argon2.verify = async (digest, password, options) => {
    calls.push(digest)
    return original(digest, password, options)
  }
  t.teardown(() => { argon2.verify = original })
  const res = await app.inject({ method: 'POST', url, payload: { email: uniqueEmail('ghost'), password: PASSWORD } })
  t.equal(res.statusCode, 403)
  t.equal(calls.length, 1)
  t.match(calls[0], /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
})

test('the password is compared exactly as sent: no trim, no case folding, no truncation', async (t) => {
  const app = await build(t)
  const password = ` Pässword-${'x'.repeat(100)} `
  const { email } = await signupAndLogin(app, { password })
  for (const variant of [password.trim(), password.toLowerCase(), password.slice(0, -1), `${password}x`]) {
    const res = await app.inject({ method: 'POST', url, payload: { email, password: variant } })
    t.equal(errorCode(res), 'invalid_email_or_password', JSON.stringify(variant.slice(0, 12)))
  }
})

test('malformed login bodies are 422 naming the field', async (t) => {
  const app = await build(t)
  for (const [payload, field] of [
    [{ password: PASSWORD }, /email/],
    [{ email: uniqueEmail() }, /password/],
    [{ email: 'nope', password: PASSWORD }, /email/],
    [{ email: uniqueEmail(), password: '' }, /password/]
  ] as const) {
    const res = await app.inject({ method: 'POST', url, payload })
    t.equal(res.statusCode, 422)
    t.match(res.json().message, field)
  }
})

test('the stored hash is argon2id at OWASP parameters', async (t) => {
  const app = await build(t)
  const { email } = await signupAndLogin(app)
  const user = await app.usersRepository.findByEmail(email)
  t.match(user?.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
})

test('login re-hashes a weaker stored hash (needsRehash)', async (t) => {
  const app = await build(t)
  const { email, uid } = await signupAndLogin(app)
  const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 })
  await app.db.updateTable('users').set({ password_hash: weak }).where('uid', '=', uid).execute()

  await login(app, email)
  const user = await app.usersRepository.findByUid(uid)
  t.not(user?.password_hash, weak)
  t.match(user?.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  await t.resolves(login(app, email), 'the upgraded hash still verifies')
})
