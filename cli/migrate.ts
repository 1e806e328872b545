// npm run migrate [-- up | status | down | --help]: apply, list or revert (one step) migrations.
import { existsSync } from 'node:fs'
import { migrateDownOne, migrateToLatest, migrationStates } from '../db/migrate.js'
import { CliError, embeddedDataDir, parseCliArgs, runAsProgram, withDatabase, type Command, type CommandContext } from './command.js'

const usage = 'usage: npm run migrate [-- up | status | down | --help]'

const help = `${usage}
  up      apply every pending migration (the default)
  status  list the migrations: when each was applied, or pending
  down    revert the last applied migration (one step)
Reads DATABASE_URL, or DATA_DIR for the embedded database, like the server.`

const actions = ['up', 'status', 'down'] as const
type Action = typeof actions[number]
const isAction = (word: string): word is Action => (actions as readonly string[]).includes(word)

// status and down look at a database that exists: on the embedded one they must not create an
// empty DATA_DIR (a misplaced word would otherwise initialise ./data).
function requireExistingDatabase (context: CommandContext): void {
  const dataDir = embeddedDataDir(context)
  if (dataDir !== undefined && !existsSync(dataDir)) throw new CliError(`no database in DATA_DIR ${dataDir}: \`npm run migrate\` creates it`)
}

async function up (context: CommandContext): Promise<string> {
  return withDatabase(context, async (db) => {
    try {
      const applied = await migrateToLatest(db)
      return applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date'
    } catch (err) {
      throw new CliError(`migration failed: ${(err as Error).message}`)
    }
  }, { migrate: false })
}

async function status (context: CommandContext): Promise<string> {
  requireExistingDatabase(context)
  const states = await withDatabase(context, migrationStates, { migrate: false })
  const width = Math.max(...states.map((m) => m.name.length))
  return states.map((m) => `${m.name.padEnd(width)}  ${m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending'}`).join('\n')
}

async function down (context: CommandContext): Promise<string> {
  requireExistingDatabase(context)
  return withDatabase(context, async (db) => {
    try {
      const reverted = await migrateDownOne(db)
      return reverted === undefined ? 'no migration is applied' : `reverted: ${reverted}`
    } catch (err) {
      throw new CliError(`reverting failed: ${(err as Error).message}`)
    }
  }, { migrate: false })
}

export const migrate: Command = async (args, context) => {
  // Everything is parsed before the database is opened: a bad argument changes nothing.
  const { values, positionals } = parseCliArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true }, usage)
  if (values.help === true) return help
  if (positionals.length > 1) throw new CliError(`one action at a time; ${usage}`)
  const [action = 'up'] = positionals
  if (!isAction(action)) throw new CliError(`unknown action ${JSON.stringify(action)}; ${usage}`)
  if (action === 'status') return status(context)
  if (action === 'down') return down(context)
  return up(context)
}

await runAsProgram(import.meta.url, 'migrate', migrate)
