// Entry point: load the configuration, build the app, listen, and close gracefully.
import { envFile } from './preload.cjs'
import { loadConfig } from './config/load.js'

// In-flight requests get this long to finish after SIGTERM/SIGINT before the process gives up.
const CLOSE_GRACE_MS = 10_000

async function main (): Promise<void> {
  const config = loadConfig()
  // The app and its libraries load only once the configuration is known to be good: a bad setting
  // is reported before that second is spent.
  const [{ default: Fastify }, { default: fp }, { default: closeWithGrace }, { default: serviceApp, serverOptions }] =
    await Promise.all([import('fastify'), import('fastify-plugin'), import('close-with-grace'), import('./app.js')])
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
