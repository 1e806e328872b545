import { test } from 'tap'
import { build } from './helper.js'
import { errorCode, signupBody } from './helpers/fixtures.js'

const shape = ['error', 'error_code', 'message', 'statusCode']

test('unknown route: 404 in the error shape', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/api/v1/nothing-here' })
  t.equal(res.statusCode, 404)
  t.same(Object.keys(res.json()).sort(), shape)
  t.equal(errorCode(res), 'not_found')
})

test('malformed JSON: 400 invalid_json, and nothing stored', async (t) => {
  const app = await build(t)
  const before = await app.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'application/json' }, payload: '{"email": "a@b.c",' })
  t.equal(res.statusCode, 400)
  t.equal(errorCode(res), 'invalid_json')
  t.same(Object.keys(res.json()).sort(), shape)
  const after = await app.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(after.n), Number(before.n))
})

test('wrong content type: 415', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(res.statusCode, 415)
  t.equal(errorCode(res), 'unsupported_media_type')
})

test('body over 1 MiB: 413', async (t) => {
  const app = await build(t)
  const payload = JSON.stringify(signupBody({ username: 'x'.repeat(1024 * 1024) }))
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'application/json' }, payload })
  t.equal(res.statusCode, 413)
  t.equal(errorCode(res), 'payload_too_large')
})

test('a body that is not an object is 422, not a 500', async (t) => {
  const app = await build(t)
  for (const payload of ['[]', '"text"', '42', 'null']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload })
    t.ok([400, 422].includes(res.statusCode), `${payload}: ${res.statusCode}`)
    t.same(Object.keys(res.json()).sort(), res.statusCode === 422 ? [...shape, 'errors'].sort() : shape)
  }
})

test('a 5xx says only "Internal Server Error"; the details go to the log', async (t) => {
  const logLines: string[] = []
  const app = await build(t, {
    logLines,
    setup: (app) => app.get('/boom', async () => { throw new Error('select secret from vault failed at db.ts:42') })
  })
  const res = await app.inject({ url: '/boom' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', error_code: 'server_error', message: 'Internal Server Error' })
  t.notMatch(res.body, /secret|vault|db\.ts|stack/)
  t.ok(logLines.some((line) => line.includes('select secret from vault')), 'logged for the operator')
})

test('GET /health is 200 {status: ok} while the database answers', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})
