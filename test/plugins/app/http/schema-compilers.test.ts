import { test } from 'tap'
import { build } from '../../../helper.js'
import { buildSerializer } from '../../../../plugins/app/http/serialization.js'
import { buildValidator } from '../../../../plugins/app/http/validation.js'

const route = { method: 'GET', url: '/x', httpStatus: '200' }
const shared = { Name: { $id: 'Name', type: 'string' } }

test('a serializer is compiled once per schema text and shared schemas, however often an app is built', async (t) => {
  const first = buildSerializer(shared, {})({ ...route, schema: { type: 'object', properties: { name: { $ref: 'Name' } } } })
  const again = buildSerializer({ ...shared }, {})({ ...route, schema: { type: 'object', properties: { name: { $ref: 'Name' } } } })
  t.equal(again, first, 'an equal schema under equal shared schemas: the same function')
  t.equal(first({ name: 'ada', other: 1 }), '{"name":"ada"}')

  const otherShared = buildSerializer({ Name: { $id: 'Name', type: 'integer' } }, {})({ ...route, schema: { type: 'object', properties: { name: { $ref: 'Name' } } } })
  t.not(otherShared, first, 'other shared schemas: compiled anew')
  t.equal(otherShared({ name: 7 }), '{"name":7}')
  const otherSchema = buildSerializer(shared, {})({ ...route, schema: { type: 'object', properties: { id: { type: 'string' } } } })
  t.not(otherSchema, first, 'another schema: compiled anew')
})

test('a validator is compiled once per schema text, part and shared schemas', async (t) => {
  const schema = () => ({ type: 'object', properties: { page: { type: 'integer' } }, required: ['page'] })
  const body = buildValidator(shared, {})({ method: 'POST', url: '/x', httpPart: 'body', schema: schema() })
  t.equal(buildValidator({ ...shared }, {})({ method: 'POST', url: '/y', httpPart: 'body', schema: schema() }), body, 'the same function')
  const query = buildValidator(shared, {})({ method: 'GET', url: '/x', httpPart: 'querystring', schema: schema() })
  t.not(query, body, 'a text part is validated with coercion, so apart')
  t.equal(body({ page: '2' }), false, 'a body is not coerced')
  t.equal(query({ page: '2' }), true, 'a query string is')
})

test('a second app built in the same process answers as the first', async (t) => {
  for (const app of [await build(t), await build(t)]) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com' } })
    t.equal(res.statusCode, 422)
    t.match(res.json(), { error_code: 'validation_error', errors: [{ path: '/body/password' }] })
  }
})
