// @fastify/swagger-ui at /api/v1/docs, and the OpenAPI document itself at /api/v1/openapi.json.
import fp from 'fastify-plugin'
import fastifySwaggerUi from '@fastify/swagger-ui'

export const DOCS_PREFIX = '/api/v1/docs'
export const OPENAPI_URL = '/api/v1/openapi.json'

// The docs pages load only their own files (without its top bar the UI has no inline script or
// style) and call only this API, over whichever scheme the page came by. The plugin's own policy
// (staticCSP: true) has upgrade-insecure-requests, which blanks the page over plain HTTP on any
// host but localhost, and allows styles and fonts from any https: origin.
export const DOCS_CSP = [
  "default-src 'self'", "base-uri 'self'", "connect-src 'self'",
  "form-action 'self'", "frame-ancestors 'none'", "img-src 'self' data:", "object-src 'none'",
  "script-src 'self'", "script-src-attr 'none'", "style-src 'self'"
].join('; ')

export default fp(async function swaggerUi (fastify) {
  await fastify.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    // Without the top bar: its Swagger logo is an SVG with an inline <style>, which DOCS_CSP refuses.
    uiConfig: { layout: 'BaseLayout' },
    // Replaces helmet's API policy on the docs pages only.
    staticCSP: DOCS_CSP
  })
  fastify.get(OPENAPI_URL, { schema: { hide: true } }, async () => fastify.swagger())
}, { name: 'swagger-ui', dependencies: ['swagger'] })
