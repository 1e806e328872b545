// Fastify answers HEAD on every GET route by running the GET handler (exposeHeadRoutes). A GET
// route that changes state (logout, token refresh, e-mail verification) says so with
// `config: { changesState: true }`, and its HEAD twin answers 405 with Allow before any of the
// route's hooks, guards or handler run; read-only GETs keep HEAD.
import fp from 'fastify-plugin'
import { AppError } from './errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    changesState?: boolean
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

export default fp(async function headRequests (fastify) {
  fastify.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD' || route.config?.changesState !== true) return
    const { url } = route
    // Found at the first HEAD, when every route of the URL is known.
    let allow: string | undefined
    route.onRequest = [(_request, _reply, done) => {
      allow ??= METHODS.filter((method) => fastify.hasRoute({ method, url })).join(', ')
      done(new AppError('method_not_allowed', undefined, { allow }))
    }]
  })
}, { name: 'head-requests' })
