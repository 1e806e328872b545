// A 422's errors[]: every failure ajv finds (allErrors, see app.ts) in every part of the request,
// as {path, message}, at most MAX_VALIDATION_ERRORS of them.
import type { FastifyError, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { MAX_VALIDATION_ERRORS, type ValidationFailure } from '../../../schemas/errors.js'

// body, querystring, params or headers.
type RequestPart = NonNullable<FastifyError['validationContext']>

// Property names come from the client; a long one is cut so the answer stays short.
const MAX_PATH_LENGTH = 200

// JSON pointer escaping (RFC 6901) of one property name.
const pointerSegment = (name: string) => name.replaceAll('~', '~0').replaceAll('/', '~1')

function failure (part: RequestPart, error: FastifySchemaValidationError): ValidationFailure {
  let path = `/${part}${error.instancePath}`
  let message = error.message ?? 'is invalid'
  // ajv reports these at the object; the field they name is the useful location.
  const { missingProperty, additionalProperty } = error.params
  if (error.keyword === 'required' && typeof missingProperty === 'string') {
    path += `/${pointerSegment(missingProperty)}`
    message = 'is required'
  } else if (error.keyword === 'additionalProperties' && typeof additionalProperty === 'string') {
    path += `/${pointerSegment(additionalProperty)}`
    message = 'is not an allowed field'
  }
  if (path.length > MAX_PATH_LENGTH) path = `${path.slice(0, MAX_PATH_LENGTH)}…`
  return { path, message }
}

export interface ValidationFailures {
  failures: ValidationFailure[]
  // One line naming them all, for the body's `message`.
  summary: string
}

// Fastify checks the parts in this order and stops at the first that fails.
const PARTS: RequestPart[] = ['params', 'body', 'querystring', 'headers']

// The failures of the parts Fastify did not get to, with the route's own validators; the part
// that failed is already in `errors`, and the ones before it passed.
function laterFailures (request: FastifyRequest, failed: RequestPart): Array<[RequestPart, FastifySchemaValidationError]> {
  const found: Array<[RequestPart, FastifySchemaValidationError]> = []
  for (const part of PARTS.slice(PARTS.indexOf(failed) + 1)) {
    const validate = request.getValidationFunction(part)
    // A body schema per media type is an object of validators; our routes have none.
    if (typeof validate !== 'function') continue
    // As Fastify does: an absent part is validated as null.
    if (!validate(request[part === 'querystring' ? 'query' : part] ?? null)) {
      for (const error of validate.errors ?? []) found.push([part, error])
    }
  }
  return found
}

export function validationFailures (failed: RequestPart, errors: FastifySchemaValidationError[], request?: FastifyRequest): ValidationFailures {
  const all: Array<[RequestPart, FastifySchemaValidationError]> = [
    ...errors.map((error): [RequestPart, FastifySchemaValidationError] => [failed, error]),
    ...(request ? laterFailures(request, failed) : [])
  ]
  const failures = all.slice(0, MAX_VALIDATION_ERRORS).map(([part, error]) => failure(part, error))
  const more = all.length - failures.length
  const summary = failures.map(({ path, message }) => `${path} ${message}`).join(', ') +
    (more > 0 ? `, and ${more} more` : '')
  return { failures, summary }
}
