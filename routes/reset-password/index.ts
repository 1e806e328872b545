// GET /reset-password: the page a reset link opens (static HTML, script and style from public/reset-password/),
// with a Content-Security-Policy of its own that lets it load only those and call only this server.
import type { FastifyInstance } from 'fastify'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'

// Same origin only: no inline script or style, no third-party asset, no native form submission (the
// script sends the form, so a password never lands in a URL), no framing.
export const RESET_PAGE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
  "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'"
].join('; ')

// public/ sits beside routes/ both in the source tree and in dist/ (npm run build copies it).
const root = join(import.meta.dirname, '../../public/reset-password')

export default async function resetPasswordPage (fastify: FastifyInstance) {
  // This plugin's routes only: replaces helmet's API policy (default-src 'none') on the page.
  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', RESET_PAGE_CSP)
  })
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/',
    decorateReply: false,
    wildcard: false,
    index: 'index.html',
    // helmet's Cache-Control: no-store stays.
    cacheControl: false
  })
}
