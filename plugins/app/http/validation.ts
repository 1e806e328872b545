// How requests are validated (the `schemaController` server option): JSON bodies strictly, with no
// type coercion; query strings, path parameters and headers, which are text, coerced into the
// schema's types, numbers only from decimal digits and into finite values. In every part, a string
// with NUL (PostgreSQL cannot store it) or a lone surrogate (stored as U+FFFD, so not as sent) is
// refused, and `uuid` means the canonical 8-4-4-4-12 form; a schema's top-level uuid fields (the
// path ids) are lower-cased before any handler compares them, so an upper-case id is still the same.
// With a custom compiler Fastify no longer lower-cases header schemas, so one naming a header in
// any other case (which could never match Node's lower-cased headers) fails at start.
import AjvCompiler from '@fastify/ajv-compiler'
import type { ErrorObject, Options } from 'ajv'
import type { AnyValidateFunction } from 'ajv/dist/core.js'
import type { DataValidationCxt } from 'ajv/dist/types/index.js'
import type { FastifyServerOptions } from 'fastify'
import { compileCache } from './compile-cache.js'

type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// In unicode mode a well-formed pair is one code point outside the class; a lone half is inside it.
const UNSTORABLE = /[\0\uD800-\uDFFF]/u

const ajvOptions: Options = {
  // Unknown fields are a 422, not silently dropped.
  removeAdditional: false,
  useDefaults: true,
  // A 422 lists every failure (capped, plugins/app/http/validation-failures.ts). Safe with our
  // schemas: no arrays in requests, and formats and patterns have no exponential cases.
  allErrors: true
}
const byPart = {
  json: { ...ajvOptions, coerceTypes: false },
  text: { ...ajvOptions, coerceTypes: 'array' }
} satisfies Record<string, Options>

type Schema = { properties?: Record<string, { format?: unknown, type?: unknown }> }

// Text is a number only when written in decimal digits: ajv alone would also read " " as 0,
// "0x10" as 16 and "1e3" as 1000.
const DECIMAL = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ }
type Numeric = keyof typeof DECIMAL
const isNumeric = (type: unknown): type is Numeric => type === 'integer' || type === 'number'

function firstNotDecimal (data: unknown, keys: Array<[string, Numeric]>): ErrorObject | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  for (const [key, type] of keys) {
    const value = (data as Record<string, unknown>)[key]
    if (typeof value === 'string' && !DECIMAL[type].test(value)) {
      return { keyword: 'type', instancePath: `/${key}`, schemaPath: `#/properties/${key}/type`, params: { type }, message: `must be ${type}` }
    }
  }
  return undefined
}

// The first value, at any depth, that the database could not store as sent. ajv coerces "Infinity"
// and "1e400" into numbers that skip `maximum`, so non-finite numbers are refused here.
function firstUnfit (data: unknown): ErrorObject | undefined {
  // Breadth first, in document order, without recursion: a body may nest as deep as its size allows.
  const pending: Array<[string, unknown]> = [['', data]]
  for (const [path, value] of pending) {
    if (typeof value === 'string' && UNSTORABLE.test(value)) {
      return { keyword: 'text', instancePath: path, schemaPath: '#', params: {}, message: 'must not contain NUL or unpaired surrogate characters' }
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return { keyword: 'type', instancePath: path, schemaPath: '#', params: {}, message: 'must be a finite number' }
    }
    if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) pending.push([`${path}/${key}`, item])
    }
  }
  return undefined
}

function guarded (validate: AnyValidateFunction, schema: Schema, fromText: boolean): AnyValidateFunction {
  if (validate.schemaEnv.$async) throw new Error('async request schemas are not supported')
  const properties = Object.entries(schema.properties ?? {})
  const uuidKeys = properties.filter(([, property]) => property.format === 'uuid').map(([key]) => key)
  const numericKeys = fromText
    ? properties.flatMap(([key, { type }]): Array<[string, Numeric]> => isNumeric(type) ? [[key, type]] : [])
    : []
  // Keeps schema and schemaEnv, so Fastify still passes the parent that lets ajv replace a root value.
  function check (data: unknown, context?: DataValidationCxt): data is unknown {
    const notDecimal = firstNotDecimal(data, numericKeys)
    if (notDecimal !== undefined) {
      check.errors = [notDecimal]
      return false
    }
    if (validate(data, context) !== true) {
      check.errors = validate.errors
      return false
    }
    const unfit = firstUnfit(data)
    check.errors = unfit === undefined ? null : [unfit]
    if (unfit !== undefined) return false
    const record = data as Record<string, unknown>
    for (const key of uuidKeys) {
      const id = record[key]
      if (typeof id === 'string') record[key] = id.toLowerCase()
    }
    return true
  }
  check.errors = null as ErrorObject[] | null | undefined
  check.schema = validate.schema
  check.schemaEnv = validate.schemaEnv
  return check
}

// Kept for the life of the process (compile-cache.ts): ajv's instances by shared schemas and
// options, in @fastify/ajv-compiler's pool, and each checked validator by its part and schema.
const pool = AjvCompiler()
const onCreate = (ajv: AjvCompiler.Ajv) => { ajv.addFormat('uuid', UUID) }
const validators = compileCache<AnyValidateFunction>()

// The `buildValidator` of Fastify's schemaController.
export const buildValidator: ValidatorFactory = (externalSchemas) => {
  const json = pool(externalSchemas, { customOptions: byPart.json, onCreate })
  const text = pool(externalSchemas, { customOptions: byPart.text, onCreate })
  const kept = validators(externalSchemas)
  return (route) => {
    const schema = route.schema as Schema
    if (route.httpPart === 'headers' && Object.keys(schema.properties ?? {}).some((name) => name !== name.toLowerCase())) {
      throw new Error(`${route.method} ${route.url}: name headers in lower case in its headers schema`)
    }
    const fromText = route.httpPart !== 'body'
    return kept([fromText, schema], () => guarded((fromText ? text : json)(route), schema, fromText))
  }
}
