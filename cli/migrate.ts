// npm run migrate: apply pending migrations and exit.
import { loadConfig } from '../config/load.js'
import { connect } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'

const config = loadConfig()
const handle = await connect({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR })
try {
  const applied = await migrateToLatest(handle.db)
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date')
} catch (err) {
  console.error(`bookly: migration failed: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await handle.close()
}
