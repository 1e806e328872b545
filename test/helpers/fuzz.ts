// Generators for the fuzz suite (test/routes/fuzz.test.ts): values from a route's own JSON schema
// (as the served OpenAPI document gives it), values from a hostile alphabet, and the encoding of
// either into a path, a query string or a JSON body, including what JSON.stringify cannot write
// (1e400, deep nesting) and what encodeURIComponent refuses (lone surrogates).
import fc from 'fast-check'

export interface JsonSchema {
  $ref?: string
  type?: string
  const?: unknown
  enum?: unknown[]
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  properties?: Record<string, JsonSchema>
  required?: string[]
  minProperties?: number
}

// JSON text put into a body as it is: numbers JSON.stringify turns into null, nesting it would
// take long to build.
export class RawJson {
  constructor (readonly text: string) {}
}

export function toJson (value: unknown): string {
  const raws: string[] = []
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text)
      return `\u0000raw${raws.length - 1}\u0000`
    }
    return v
  })
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, i: string) => raws[Number(i)] ?? 'null')
}

// Percent-encoding of any string: a lone surrogate becomes the bytes of its WTF-8 form, which no
// UTF-8 decoder accepts.
const percent = (bytes: number[]) => bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
export function encode (value: string): string {
  return value.replace(/[\ud800-\udbff][\udc00-\udfff]|[^]/g, (c) => {
    const unit = c.charCodeAt(0)
    if (c.length === 1 && unit >= 0xd800 && unit <= 0xdfff) return percent([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)])
    return encodeURIComponent(c)
  })
}

// Text as a client could put it in a URL: mostly encoded, sometimes raw percent junk.
export const urlText = (value: string) => fc.constantFrom('encoded', 'encoded', 'encoded', 'malformed')
  .map((how) => how === 'encoded' ? encode(value) : `${encode(value)}%${value.length % 2 === 0 ? 'zz' : 'E0%A4%A'}`)

export function uuidSpellings (uuid: string): string[] {
  return [uuid, uuid.toUpperCase(), `urn:uuid:${uuid}`, `{${uuid}}`, uuid.replaceAll('-', ''), ` ${uuid}`, `${uuid}\u0000`]
}

const CONTROL_AND_ODD = ['\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0',
  '\u2028', '\u200b', '\ufeff', '\ufffe', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', 'é', 'e\u0301', '𝄞']
const ORDINARY = ['a', 'Z', '0', '9', ' ', '-', '_', '.', '@', '%', '&', '=', '?', '#', '/', '\\', '\'', '"', '<', '>', '{', '}', '[', ']', '+', ',', ';', ':']
// Text that a parser (ajv's coercion, Number(), PostgreSQL) may read as a number other than it looks.
export const NUMERIC_TEXTS = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e-400', '-0', '0x10', '0b1', '0o7', '1_000', '01',
  '1.5', '-1', '0', '2147483648', '-2147483649', '9007199254740993', '1e3', ' 1', '1 ', '', '+1', '.5', '5.', '١']
const TRICKY_TEXTS = [...NUMERIC_TEXTS, ' ', 'true', 'false', 'TRUE', 'null', 'undefined',
  '[]', '{}', '__proto__', 'constructor', 'prototype', '%00', '..', '../', 'admin', 'user']
const HOSTILE_UNITS = [...CONTROL_AND_ODD, ...ORDINARY]

export function hostileString (knownUuids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), maxLength: 40 }), weight: 4 },
    { arbitrary: fc.constantFrom(...TRICKY_TEXTS), weight: 3 },
    { arbitrary: fc.oneof(fc.uuid(), fc.constantFrom(...knownUuids)).chain((u) => fc.constantFrom(...uuidSpellings(u))), weight: 3 },
    { arbitrary: fc.integer().map(String), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: 256, max: 20_000 }), fc.constantFrom('x', 'é', '\u0000', '𝄞', '%')).map(([n, c]) => c.repeat(n)), weight: 1 }
  )
}

const hostileNumber: fc.Arbitrary<number | RawJson> = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53 + 2, -1, 0, -0, 0.5, 1.5, -0.5, Number.MIN_VALUE, 100, 101),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  // What JSON.parse turns into Infinity, -Infinity, 0 or a rounded integer.
  fc.constantFrom('1e400', '-1e400', '1e-400', '9007199254740993', '1E2', '-0.0').map((text) => new RawJson(text))
)

// Arrays or objects nested this deep, as JSON text.
const deepNesting = fc.tuple(fc.integer({ min: 32, max: 3000 }), fc.boolean())
  .map(([depth, arrays]) => new RawJson(arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`))

export function hostileValue (knownUuids: string[]): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(
    { arbitrary: hostileString(knownUuids), weight: 5 },
    { arbitrary: hostileNumber, weight: 3 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 }
  )
  return fc.oneof(
    { arbitrary: scalar, weight: 8 },
    { arbitrary: fc.array(scalar, { maxLength: 3 }), weight: 2 },
    { arbitrary: fc.dictionary(fc.constantFrom('a', '', '__proto__', 'constructor', '$ref', 'email'), scalar, { maxKeys: 3 }), weight: 2 },
    { arbitrary: deepNesting, weight: 1 },
    { arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((n) => new Array<number>(n).fill(0)), weight: 1 }
  )
}

export interface SchemaContext {
  components: Record<string, JsonSchema>
  knownUuids: string[]
  knownEmails: string[]
  // Values the schema still accepts, at their edges: strings of control characters, lone
  // surrogates and NUL within the length limits, other spellings of UUIDs, numbers at the bounds.
  edgy?: boolean
}

const email = (context: SchemaContext, maxLength = 40) => fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,11}$/), fc.constantFrom('example.com', 'example.org', 'b.co'))
    .map(([local, domain]) => `${local}@${domain}`).filter((e) => e.length <= maxLength),
  fc.constantFrom(...context.knownEmails).map((e) => e.toUpperCase())
)

const isoDate = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })

// Values that the schema accepts (what a well-behaved client sends), from the schema's own keywords.
export function fromSchema (schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  if (schema.$ref !== undefined) {
    const target = context.components[schema.$ref.replace('#/components/schemas/', '')]
    if (target === undefined) throw new Error(`unknown $ref ${schema.$ref}`)
    return fromSchema(target, context)
  }
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((s) => fromSchema(s, context)))
  switch (schema.type) {
    case 'string': return stringFrom(schema, context)
    case 'integer': {
      const min = Math.max(schema.minimum ?? -(2 ** 31), -(2 ** 31))
      const max = Math.min(schema.maximum ?? 2 ** 31 - 1, 2 ** 31 - 1)
      return context.edgy === true ? fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max })) : fc.integer({ min, max })
    }
    case 'number': return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true })
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'array': return fc.array(schema.items === undefined ? fc.anything() : fromSchema(schema.items, context), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) })
    case 'object': return objectFrom(schema, context)
    default: return fc.anything()
  }
}

function stringFrom (schema: JsonSchema, context: SchemaContext): fc.Arbitrary<string> {
  const { edgy = false, knownUuids } = context
  const minLength = schema.minLength ?? 0
  const maxLength = Math.min(schema.maxLength ?? 64, 300)
  switch (schema.format) {
    case 'uuid': return edgy
      ? fc.oneof(fc.uuid(), fc.constantFrom(...knownUuids)).chain((u) => fc.constantFrom(...uuidSpellings(u)))
      : fc.oneof(fc.uuid(), fc.constantFrom(...knownUuids))
    case 'email': return email(context, schema.maxLength)
    case 'date': return isoDate.map((d) => d.toISOString().slice(0, 10))
    case 'date-time': return isoDate.map((d) => d.toISOString())
    default: return edgy
      ? fc.oneof(
        fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), minLength, maxLength }),
        fc.constantFrom(...TRICKY_TEXTS).filter((text) => text.length >= minLength && text.length <= maxLength),
        fc.constantFrom('x', '\u0000', 'é', '\ud800').map((c) => c.repeat(Math.max(minLength, maxLength))))
      : fc.string({ minLength, maxLength })
  }
}

function objectFrom (schema: JsonSchema, context: SchemaContext): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {}
  const model = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, fromSchema(s, context)]))
  const record = fc.record(model, { requiredKeys: schema.required ?? [] }) as fc.Arbitrary<Record<string, unknown>>
  const min = schema.minProperties ?? 0
  return min === 0 ? record : record.filter((value) => Object.keys(value).length >= min)
}

// A schema-valid object with one field (its own or a new one) replaced by a hostile value, or dropped.
export function mutated (valid: fc.Arbitrary<unknown>, context: SchemaContext, keys: string[]): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.constantFrom(...keys, 'unexpected', '__proto__'), fc.option(hostileValue(context.knownUuids), { nil: undefined }))
    .map(([value, key, replacement]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return replacement
      const copy: Record<string, unknown> = { ...value }
      if (replacement === undefined) Reflect.deleteProperty(copy, key)
      else Object.defineProperty(copy, key, { value: replacement, enumerable: true, writable: true, configurable: true })
      return copy
    })
}

// Text as any value would be written in a URL: strings as they are, anything else as JSON.
export const asText = (value: unknown): string => typeof value === 'string' ? value : toJson(value)

// Printable ASCII only: TAP output swallows a test whose name holds some control characters.
export const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

// Abbreviates long strings, in ASCII, so a failing case can be printed.
export function summarise (value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : toJson(value)
  return text.length <= max ? ascii(text) : `${ascii(text.slice(0, max))}... (${text.length} characters)`
}
