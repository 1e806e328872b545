import { test } from 'tap'
import { build } from '../../../helper.js'
import { signupAndLogin, signupBody, bookBody, bearer } from '../../../helpers/fixtures.js'
import { OPENAPI_URL } from '../../../../plugins/external/swagger-ui.js'
import { MAX_VALIDATION_ERRORS } from '../../../../schemas/errors.js'

const signup = '/api/v1/auth/signup'

test('a body with three bad fields lists all three, and nothing was stored', async (t) => {
  const app = await build(t)
  const body = signupBody({ username: '', email: 'not-an-email', password: 'short' })
  const res = await app.inject({ method: 'POST', url: signup, payload: body })
  t.equal(res.statusCode, 422)
  const answer = res.json()
  t.match(answer, { statusCode: 422, error: 'Unprocessable Entity', error_code: 'validation_error' })
  t.same(answer.errors, [
    { path: '/body/username', message: 'must NOT have fewer than 1 characters' },
    { path: '/body/email', message: 'must match format "email"' },
    { path: '/body/password', message: 'must NOT have fewer than 8 characters' }
  ])
  for (const field of ['username', 'email', 'password']) t.match(answer.message, `/body/${field}`, `message names ${field}`)
  const stored = await app.db.selectFrom('users').select('uid').where('email', '=', body.email).execute()
  t.same(stored, [], 'no account was made')
})

test('missing and unknown fields are named by their own path', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { password: 'x', role: 'admin', 'a/b~c': 1 } })
  t.equal(res.statusCode, 422)
  t.same(res.json().errors, [
    { path: '/body/email', message: 'is required' },
    { path: '/body/role', message: 'is not an allowed field' },
    { path: '/body/a~1b~0c', message: 'is not an allowed field' }
  ])
})

test('query string failures are all listed under /querystring', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const res = await app.inject({ url: '/api/v1/books?limit=0&offset=-1&page=2', headers: bearer(user.access) })
  t.equal(res.statusCode, 422)
  t.same(res.json().errors, [
    { path: '/querystring/page', message: 'is not an allowed field' },
    { path: '/querystring/limit', message: 'must be >= 1' },
    { path: '/querystring/offset', message: 'must be >= 0' }
  ])
})

test('one answer lists the failures of every part: path, then body, then query string', async (t) => {
  const app = await build(t)
  const user = await signupAndLogin(app)
  const patched = await app.inject({ method: 'PATCH', url: '/api/v1/books/not-a-uuid', headers: bearer(user.access), payload: { title: '', isbn: 'x' } })
  t.equal(patched.statusCode, 422)
  t.same(patched.json().errors, [
    { path: '/params/book_uid', message: 'must match format "uuid"' },
    { path: '/body/isbn', message: 'is not an allowed field' },
    { path: '/body/title', message: 'must NOT have fewer than 1 characters' }
  ])

  const listed = await app.inject({ url: '/api/v1/books/user/not-a-uuid?limit=0', headers: bearer(user.access) })
  t.equal(listed.statusCode, 422)
  t.same(listed.json().errors, [
    { path: '/params/user_uid', message: 'must match format "uuid"' },
    { path: '/querystring/limit', message: 'must be >= 1' }
  ])

  const created = await app.inject({ method: 'POST', url: '/api/v1/books', headers: bearer(user.access), payload: bookBody() })
  const bodyOnly = await app.inject({ method: 'PATCH', url: `/api/v1/books/${created.json().uid}`, headers: bearer(user.access), payload: { title: '' } })
  t.same(bodyOnly.json().errors, [{ path: '/body/title', message: 'must NOT have fewer than 1 characters' }], 'a good path adds nothing')
  const unchanged = await app.inject({ url: `/api/v1/books/${created.json().uid}`, headers: bearer(user.access) })
  t.same(unchanged.json(), created.json(), 'no rejected update changed the book')
})

test(`at most ${MAX_VALIDATION_ERRORS} failures are listed; the message counts the rest`, async (t) => {
  const app = await build(t)
  const extra = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`extra${i}`, i]))
  const res = await app.inject({ method: 'POST', url: signup, payload: signupBody(extra) })
  t.equal(res.statusCode, 422)
  const { errors, message } = res.json()
  t.equal(errors.length, MAX_VALIDATION_ERRORS)
  t.same(errors[0], { path: '/body/extra0', message: 'is not an allowed field' })
  t.match(message, /, and 10 more$/)

  // Near the body limit: tens of thousands of unknown fields, and a field name that is all of the rest.
  const many = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`f${i}`, 0]))
  const big = await app.inject({ method: 'POST', url: signup, payload: signupBody(many) })
  t.equal(big.statusCode, 422)
  t.equal(big.json().errors.length, MAX_VALIDATION_ERRORS)
  t.match(big.json().message, /, and 49980 more$/)
  t.ok(big.body.length < 4096, `a short answer (${big.body.length} bytes)`)
  const longName = await app.inject({ method: 'POST', url: signup, payload: signupBody({ ['n'.repeat(900_000)]: 1 }) })
  t.equal(longName.statusCode, 422)
  t.ok(longName.body.length < 4096, `the name is cut (${longName.body.length} bytes)`)
  t.match(longName.json().errors[0].path, /^\/body\/n+…$/)
})

test('a very long string that also breaks its format and length is one 422 per rule broken', async (t) => {
  const app = await build(t)
  const email = `${'a.'.repeat(400_000)}@`
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'p'.repeat(200_000) } })
  t.equal(res.statusCode, 422)
  t.same(res.json().errors.map((e: { path: string }) => e.path), ['/body/email', '/body/email', '/body/password'])
})

test('the Error schema in the OpenAPI document carries the optional, bounded errors[]', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ url: OPENAPI_URL })).json()
  const schema = doc.components.schemas.Error
  t.same(schema.required, ['statusCode', 'error', 'error_code', 'message'])
  t.match(schema.properties.errors, {
    type: 'array',
    maxItems: MAX_VALIDATION_ERRORS,
    items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } }
  })
})
