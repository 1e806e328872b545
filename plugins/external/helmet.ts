// Security headers from helmet (the library @fastify/helmet wraps). A JSON API's headers never vary
// by request, so helmet computes them once here: @fastify/helmet builds helmet's middleware again on
// every request, a large share of an authenticated GET (bench/README.md).
import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { IncomingMessage, ServerResponse } from 'node:http'

// Runs helmet's middleware once against a response that only records the headers it sets.
function helmetHeaders (options?: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string | number | readonly string[]) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { Reflect.deleteProperty(headers, name.toLowerCase()) }
  }
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {})
  return headers
}

// The set OWASP's REST Security Cheat Sheet asks of an API: nothing in a response may run or be
// framed, HTTPS only, no sniffing, no referrer. The headers that only matter to HTML documents
// (DNS prefetch, IE download options, XSS auditor, origin-agent-cluster, COOP) are left out; the
// docs pages under /api/v1/docs send their own CSP.
const API_HEADERS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false
}

declare module 'fastify' {
  interface FastifyInstance {
    // Also for answers written outside the request lifecycle (plugins/app/http/client-errors.ts).
    securityHeaders: Readonly<Record<string, string>>
  }
}

export default fp(async function securityHeaders (fastify) {
  // And no response is stored by a cache: tokens, accounts and books are all per caller. One
  // hook for every fixed header, since each hook is a measurable share of a request (bench/README.md).
  const headers = Object.freeze({ ...helmetHeaders(API_HEADERS), 'cache-control': 'no-store' })
  fastify.decorate('securityHeaders', headers)
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}, { name: 'helmet' })
