// A 422's errors[]: ajv's failures (allErrors, see app.ts) for the request part Fastify rejected,
// as {path, message}, at most MAX_VALIDATION_ERRORS of them.
import type { FastifyError, FastifySchemaValidationError } from 'fastify'
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

export function validationFailures (part: RequestPart, errors: FastifySchemaValidationError[]): ValidationFailures {
  const failures = errors.slice(0, MAX_VALIDATION_ERRORS).map((error) => failure(part, error))
  const more = errors.length - failures.length
  const summary = failures.map(({ path, message }) => `${path} ${message}`).join(', ') +
    (more > 0 ? `, and ${more} more` : '')
  return { failures, summary }
}
