// Child of the bench: the service's Fastify settings and one constant JSON route, the ceiling for GET /auth/verify.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { serverOptions } from '../app.js'
import { parseConfig } from '../config/load.js'

// The configuration's defaults (timeouts included); the secret only satisfies the schema.
const config = parseConfig({ JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn' })
const app = Fastify(serverOptions(config))
app.get('/', async () => ({ sub: '00000000-0000-4000-8000-000000000000', sid: '00000000-0000-4000-8000-000000000000', role: 'user' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
