// Entry point: create .env on first run, build the app, listen, and close gracefully.
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import closeWithGrace from 'close-with-grace'
import serviceApp, { serverOptions } from './app.js'
import { ensureEnvFile } from './env-file.js'
import { loadConfig } from './load-config.js'

// In-flight requests get this long to finish after SIGTERM/SIGINT before the process gives up.
const CLOSE_GRACE_MS = 10_000

// V8 (Node 20) settles the shape of process.nextTick's queue entries when it first records them.
// Recorded while the plugins load, they end up megamorphic, and every tick (several per request)
// then builds its entry in the runtime: a fifth of the instructions of an authenticated GET
// (bench/, measured with callgrind). Ticking a few thousand times first, before anything else
// runs, keeps them monomorphic for the life of the process.
async function settleNextTick (): Promise<void> {
  for (let i = 0; i < 3000; i++) await new Promise<void>((resolve) => process.nextTick(resolve))
}

async function main (): Promise<void> {
  await settleNextTick()
  const created = ensureEnvFile()
  const config = loadConfig()
  const app = Fastify(serverOptions(config))
  await app.register(fp(serviceApp), { config })
  if (created) app.log.info('created .env with a new random JWT_SECRET')

  closeWithGrace({ delay: CLOSE_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })

  await app.listen({ host: config.HOST, port: config.PORT })
}

main().catch((err: Error) => {
  // One line, no stack: usually a configuration problem the operator must fix.
  console.error(`bookly: cannot start: ${err.message}`)
  process.exit(1)
})
