// Child of the bench: the service's Fastify settings and one constant JSON route, the ceiling for GET /auth/verify.
import Fastify from 'fastify'
import { serverOptions } from '../app.js'

const app = Fastify(serverOptions({ LOG_LEVEL: 'warn', LOG_PRETTY: false, TRUST_PROXY: '' }))
app.get('/', async () => ({ sub: '00000000-0000-4000-8000-000000000000', sid: '00000000-0000-4000-8000-000000000000', role: 'user' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
