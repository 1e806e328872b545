// npm run migrate: apply pending migrations and exit.
import { migrateToLatest } from '../db/migrate.js'
import { CliError, parseCliArgs, runAsProgram, withDatabase, type Command } from './command.js'

const usage = 'usage: npm run migrate'

export const migrate: Command = async (args, context) => {
  parseCliArgs({ args, options: {} }, usage)
  return withDatabase(context, async (db) => {
    try {
      const applied = await migrateToLatest(db)
      return applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date'
    } catch (err) {
      throw new CliError(`migration failed: ${(err as Error).message}`)
    }
  }, { migrate: false })
}

await runAsProgram(import.meta.url, 'migrate', migrate)
