// A 422's errors[]: every failure ajv finds (allErrors, see app.ts) in every part of the request,
// as {path, message}, at most MAX_VALIDATION_ERRORS of them.
import type { FastifyError, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { MAX_VALIDATION_ERRORS, type ValidationFailure } from '../../../schemas/errors.js'
import { AppError } from './errors.js'

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

// Fastify checks the parts in this order and stops at the first that fails.
const PARTS: RequestPart[] = ['params', 'body', 'querystring', 'headers']

type PartError = [RequestPart, FastifySchemaValidationError]

// The failures of the parts Fastify did not get to, with the route's own validators; the part
// that failed is already in `errors`, and the ones before it passed.
function laterFailures (request: FastifyRequest, failed: RequestPart): PartError[] {
  const found: PartError[] = []
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

// The 422 for Fastify's validation error; with `request`, the parts Fastify did not reach are
// checked too. `message` names the failures listed and counts the rest.
export function validationError (errors: FastifySchemaValidationError[], failed: RequestPart = 'body', request?: FastifyRequest): AppError {
  const all: PartError[] = [
    ...errors.map((e): PartError => [failed, e]),
    ...(request ? laterFailures(request, failed) : [])
  ]
  const failures = all.slice(0, MAX_VALIDATION_ERRORS).map(([part, e]) => failure(part, e))
  const more = all.length - failures.length
  const message = failures.map(({ path, message }) => `${path} ${message}`).join(', ') +
    (more > 0 ? `, and ${more} more` : '')
  return new AppError('validation_error', message, {}, failures)
}
