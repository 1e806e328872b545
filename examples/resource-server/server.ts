// Starts the example resource server: BOOKLY_URL (required), HOST, PORT, JWKS_CACHE_TTL (seconds, default 60).
import { buildResourceServer } from './app.js'

const booklyUrl = process.env.BOOKLY_URL ?? ''
if (!/^https?:\/\//.test(booklyUrl)) {
  console.error('resource-server: set BOOKLY_URL to Bookly\'s base URL, e.g. http://127.0.0.1:8000')
  process.exit(1)
}
const app = buildResourceServer({ booklyUrl, jwksCacheTtl: Number(process.env.JWKS_CACHE_TTL ?? 60), logger: true })
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 8001) })
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
