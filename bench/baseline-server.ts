// Child of the bench: one constant JSON route, the ceiling for GET /auth/verify. By default with the
// service's Fastify settings and its security headers, so the ratio measures Bookly's own work;
// with --no-logger a bare Fastify with default options and no headers, for context.
import Fastify from 'fastify'
import { serverOptions } from '../app.js'
import securityHeaders from '../plugins/external/helmet.js'

const bare = process.argv.includes('--no-logger')
const app = Fastify(bare ? {} : serverOptions({ LOG_LEVEL: 'warn', LOG_PRETTY: false, TRUST_PROXY: '' }))
if (!bare) await app.register(securityHeaders)
app.get('/', async () => ({ sub: '00000000-0000-4000-8000-000000000000', sid: '00000000-0000-4000-8000-000000000000', role: 'user' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
