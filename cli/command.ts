// What the user:* commands share: one-line errors with exit code 1, and a migrated database closed at the end.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Kysely } from 'kysely'
import { loadConfig } from '../config/load.js'
import { connect } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import type { Database } from '../db/types.js'

// A problem the operator must fix (bad arguments, unknown user): its message is the whole story.
export class CliError extends Error {}

// Runs a command; its result is printed on stdout, any failure as one line on stderr.
export async function runCli (name: string, command: () => Promise<string>): Promise<void> {
  try {
    console.log(await command())
  } catch (err) {
    console.error(`bookly ${name}: ${(err as Error).message}`)
    process.exitCode = 1
  }
}

// parseArgs, with its complaint (an unknown option, a stray argument) as a one-line error.
export function parseCliArgs<T extends ParseArgsConfig> (config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (err) {
    throw new CliError(`${(err as Error).message}; ${usage}`)
  }
}

export async function withDatabase<T> (fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const handle = await connect({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR })
  try {
    // A fresh install has no tables yet: making the first admin is often the first thing done.
    await migrateToLatest(handle.db)
    return await fn(handle.db)
  } finally {
    await handle.close()
  }
}
