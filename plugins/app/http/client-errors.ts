// Answers Fastify gives outside the request lifecycle, in the error shape and with the security
// headers of every other answer: malformed HTTP and timeouts (Node's clientError, where there is
// only the socket to write to) and URLs the router cannot take apart (frameworkErrors).
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, errorBody, type ErrorCode } from './errors.js'

// Node's own mapping of these errors to statuses (lib/_http_server.js); anything else is a 400.
const codeByClientError: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'payload_too_large'
}

// An app built without the helmet plugin (the bench's baseline) has none to add.
const securityHeaders = (fastify: FastifyInstance): Readonly<Record<string, string>> =>
  fastify.hasDecorator('securityHeaders') ? fastify.securityHeaders : {}

function clientErrorResponse (err: ConnectionError, headers: Readonly<Record<string, string>>): string {
  const code = codeByClientError[err.code]
  const error = code === undefined ? new AppError('bad_request', 'Malformed HTTP request') : new AppError(code)
  const body = JSON.stringify(errorBody(error.statusCode, error.errorCode, error.message))
  const lines = [
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  ]
  return `${lines.join('\r\n')}\r\n\r\n${body}`
}

// Bound to the Fastify instance by Fastify.
export function clientErrorHandler (this: FastifyInstance, err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  // The code only: a malformed request's bytes (err.rawPacket) may hold a token.
  this.log.debug({ code: err.code }, 'client error')
  // As Node does: never write into a response already on its way (a pipelined request's error).
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
  if (socket.writable && inFlight?.headersSent !== true) socket.write(clientErrorResponse(err, securityHeaders(this)))
  socket.destroy(err)
}

// The router's own failures: a path that does not decode, or a parameter over maxParamLength. Their
// messages would quote the whole URL, query string included.
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError = error.code === 'FST_ERR_BAD_URL'
    ? new AppError('bad_request', 'Malformed URL')
    : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new AppError('uri_too_long') : undefined
  if (appError === undefined) request.log.error({ err: error }, 'request failed')
  const { statusCode, errorCode, message } = appError ?? new AppError('server_error')
  reply.code(statusCode).headers(securityHeaders(request.server)).send(errorBody(statusCode, errorCode, message))
}
