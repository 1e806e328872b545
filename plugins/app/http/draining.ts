// While the server closes (SIGTERM), a request that still arrives on an open connection (pipelined,
// or on a busy keep-alive socket) gets 503 `service_unavailable` in the error shape, with the
// security headers and Retry-After, instead of Fastify's own bare 503 body: serverOptions turns
// return503OnClosing off for this. Fastify still sends `Connection: close` with it.
import fp from 'fastify-plugin'
import { retryAfter } from './errors.js'

export default fp(async function draining (fastify) {
  let closing = false
  fastify.addHook('preClose', (done) => {
    closing = true
    done()
  })
  fastify.addHook('onRequest', (_request, _reply, done) => {
    done(closing ? retryAfter('service_unavailable', 1, 'Server is shutting down, please retry') : undefined)
  })
}, { name: 'draining' })
