// `npm start` runs this from source (tsx) before it compiles anything, so a bad setting is
// reported in about a second, not after the build; server.ts validates again as it starts.
import { envFile } from '../preload.cjs'
import { loadConfig } from './load.js'

if (envFile.created) console.log('bookly: created .env with a new random JWT_SECRET')
try {
  loadConfig()
} catch (err) {
  console.error(`bookly: cannot start: ${(err as Error).message}`)
  process.exitCode = 1
}
