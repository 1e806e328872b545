// Child of the bench: one constant JSON route, the ceiling for GET /auth/verify. By default with the
// service's Fastify settings (the configuration's defaults, timeouts included) and its security
// headers, so the ratio measures Bookly's own work; with --no-logger a bare Fastify with default
// options and no headers, for context.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { serverOptions } from '../app.js'
import { parseConfig } from '../config/load.js'
import securityHeaders from '../plugins/external/helmet.js'

const bare = process.argv.includes('--no-logger')
// The secret only satisfies the schema.
const config = parseConfig({ JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn' })
const app = Fastify(bare ? {} : serverOptions(config))
if (!bare) await app.register(securityHeaders)
app.get('/', async () => ({ sub: '00000000-0000-4000-8000-000000000000', sid: '00000000-0000-4000-8000-000000000000', role: 'user' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
