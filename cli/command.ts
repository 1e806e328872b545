// What the commands share: arguments parsed strictly, one-line errors with exit code 1, the
// configuration loaded as the server loads it, and a migrated database closed at the end.
// Each command is a function of its arguments and a context, so tests can call it in process.
import { realpathSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Kysely } from 'kysely'
import type { PGlite } from '@electric-sql/pglite'
import type { Config } from '../config/schema.js'
import { connect } from '../db/connect.js'
import { assertDataDirFree } from '../db/data-dir-lock.js'
import { migrateToLatest } from '../db/migrate.js'
import type { Database } from '../db/types.js'

// A problem the operator must fix (bad arguments, unknown user): its message is the whole story.
export class CliError extends Error {}

export interface CommandContext {
  config: Config
  // Where a password is read from (cli/read-password.ts): a terminal prompts for it.
  stdin: Readable
  // A started PGlite to use instead of opening DATA_DIR (tests).
  pglite?: PGlite
}

// A command returns what it prints on stdout.
export type Command = (args: string[], context: CommandContext) => Promise<string>

export interface Outcome {
  code: number
  stdout: string
  stderr: string
}

export async function execute (name: string, command: Command, args: string[], context: CommandContext): Promise<Outcome> {
  try {
    return { code: 0, stdout: `${await command(args, context)}\n`, stderr: '' }
  } catch (err) {
    return { code: 1, stdout: '', stderr: `bookly ${name}: ${(err as Error).message}\n` }
  }
}

// Whether `moduleUrl` is the program node was started with (not a module a test imported).
export function isProgram (moduleUrl: string): boolean {
  const entry = process.argv[1]
  return entry !== undefined && realpathSync(entry) === fileURLToPath(moduleUrl)
}

// When `moduleUrl` is the program node was started with: run the command on process.argv and the
// environment (with .env read by the preload), print its outcome and set the exit code.
export async function runAsProgram (moduleUrl: string, name: string, command: Command): Promise<void> {
  if (!isProgram(moduleUrl)) return
  await import('../preload.cjs')
  const { loadConfig } = await import('../config/load.js')
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    console.error(`bookly ${name}: ${(err as Error).message}`)
    process.exitCode = 1
    return
  }
  const outcome = await execute(name, command, process.argv.slice(2), { config, stdin: process.stdin })
  process.stdout.write(outcome.stdout)
  process.stderr.write(outcome.stderr)
  process.exitCode = outcome.code
}

// parseArgs, with its complaint (an unknown option, a stray argument) as a one-line error.
export function parseCliArgs<T extends ParseArgsConfig> (config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (err) {
    throw new CliError(`${(err as Error).message}; ${usage}`)
  }
}

// The embedded data directory a command will open itself; undefined on PostgreSQL, in memory, or
// with a PGlite given (tests).
export function embeddedDataDir ({ config, pglite }: CommandContext): string | undefined {
  if (config.DATABASE_URL || pglite !== undefined || config.DATA_DIR.startsWith('memory://')) return undefined
  return config.DATA_DIR
}

// Before a command asks for anything (a password): the embedded database it will open is not in use.
export async function assertDatabaseFree (context: CommandContext): Promise<void> {
  const dataDir = embeddedDataDir(context)
  if (dataDir !== undefined) await assertDataDirFree(dataDir)
}

// The database as it is (npm run migrate), or migrated first: on a fresh install making the first
// admin is often the first thing done.
export async function withDatabase<T> (context: CommandContext, fn: (db: Kysely<Database>) => Promise<T>, { migrate = true } = {}): Promise<T> {
  const { config, pglite } = context
  const handle = await connect({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, pglite })
  try {
    if (migrate) await migrateToLatest(handle.db)
    return await fn(handle.db)
  } finally {
    await handle.close()
  }
}
