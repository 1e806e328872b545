// The one error handler: every failure leaves as {statusCode, error, error_code, message}.
import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { AppError, errorBody, retryAfter, type ErrorCode } from './errors.js'
import { isConnectionError } from '../../../db/errors.js'

// The database usually comes back within seconds (restart, failover); the pool reconnects by itself.
const DATABASE_RETRY_AFTER_SECONDS = 5

const codeByFastifyCode: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type'
}

const codeByStatus: Record<number, ErrorCode> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited'
}

export function toAppError (error: FastifyError | AppError): AppError | undefined {
  if (error instanceof AppError) return error
  if (error.validation) return new AppError('validation_error', error.message)
  const status = error.statusCode ?? 500
  // Not when Fastify gave it a 4xx: a client that hung up mid-body is an ECONNRESET too.
  if (status >= 500 && isConnectionError(error)) return retryAfter('service_unavailable', DATABASE_RETRY_AFTER_SECONDS)
  if (status >= 500) return undefined
  const code = codeByFastifyCode[error.code] ?? codeByStatus[status] ?? 'bad_request'
  const appError = new AppError(code, error.message)
  // Keep the framework's status where the table has no better one (e.g. 406).
  return Object.assign(appError, { statusCode: status })
}

export default fp(async function errorHandler (fastify) {
  fastify.setErrorHandler<FastifyError | AppError>(function (error, request, reply) {
    const appError = toAppError(error)
    if (appError?.errorCode === 'service_unavailable' && !(error instanceof AppError)) {
      request.log.warn({ err: error }, 'backing service unreachable')
    }
    if (appError === undefined) {
      request.log.error({ err: error }, 'request failed')
      return reply.code(500).send(errorBody(500, 'server_error', 'Internal Server Error'))
    }
    return reply
      .code(appError.statusCode)
      .headers(appError.headers)
      .send(errorBody(appError.statusCode, appError.errorCode, appError.message))
  })

  fastify.setNotFoundHandler(function (request, reply) {
    // The path only: a query string may carry a token, and messages end up in clients' logs.
    const path = request.url.split('?', 1)[0] ?? ''
    return reply.code(404).send(errorBody(404, 'not_found', `Route ${request.method} ${path} not found`))
  })
}, { name: 'error-handler' })
