// Entry point: load the configuration, build the app, listen, and close gracefully.
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import closeWithGrace from 'close-with-grace'
import { envFile } from './preload.cjs'
import serviceApp, { serverOptions } from './app.js'
import { loadConfig } from './config/load.js'

// In-flight requests get this long to finish after SIGTERM/SIGINT before the process gives up.
const CLOSE_GRACE_MS = 10_000

async function main (): Promise<void> {
  const config = loadConfig()
  const app = Fastify(serverOptions(config))
  await app.register(fp(serviceApp), { config })
  if (envFile.created) app.log.info('created .env with a new random JWT_SECRET')

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
