// Runs the commands as an operator would, in a working directory of their own: in process (the
// command function with the configuration the environment would give), or, where the program
// itself is under test, as a separate process configured only by its environment.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { PGlite } from '@electric-sql/pglite'
import { execute, type Command, type Outcome } from '../../cli/command.js'
import { migrate } from '../../cli/migrate.js'
import { userCreate } from '../../cli/user-create.js'
import { userRole } from '../../cli/user-role.js'
import { keysList } from '../../cli/keys-list.js'
import { keysRevoke } from '../../cli/keys-revoke.js'
import { keysRotate } from '../../cli/keys-rotate.js'
import { build, testConfig, TEST_SECRET } from '../helper.js'
import { freshPostgresDatabase, onPostgres, sharedDatabase, type TestDatabase } from '../helpers/databases.js'
import { tsxFlags } from '../helpers/program.js'

const commands: Record<string, [name: string, command: Command]> = {
  'user-create': ['user:create', userCreate],
  'user-role': ['user:role', userRole],
  migrate: ['migrate', migrate],
  'keys-rotate': ['keys:rotate', keysRotate],
  'keys-list': ['keys:list', keysList],
  'keys-revoke': ['keys:revoke', keysRevoke]
}
export type CommandFile = 'user-create' | 'user-role' | 'migrate' | 'keys-rotate' | 'keys-list' | 'keys-revoke'

const cliDir = join(import.meta.dirname, '../../cli')

export interface CliDatabase {
  cwd: string
  // The command function, in process.
  run (command: CommandFile, args: string[], stdin?: string): Promise<Outcome>
  // The program, as `npm run` starts it (through tsx instead of from dist/).
  spawn (command: CommandFile, args: string[], stdin?: string): Promise<Outcome>
  // The app on the commands' database.
  withApp (fn: (app: FastifyInstance) => Promise<void>): Promise<void>
}

// `database`: 'shared' runs in process on the test process's database; 'data-dir' on a database
// of its own, on PGlite the DATA_DIR in `cwd` (only one process at a time may open it, so the
// app is closed again before the next command runs). `settings` are more of the environment,
// for the commands and the app alike.
export async function cliDatabase (t: { teardown (fn: () => unknown): void }, database: 'shared' | 'data-dir' = 'shared', settings: Record<string, string> = {}): Promise<CliDatabase> {
  const cwd = await mkdtemp(join(tmpdir(), 'bookly-cli-'))
  t.teardown(() => rm(cwd, { recursive: true, force: true }))
  const dataDir = join(cwd, 'data')
  const shared: TestDatabase | undefined = database === 'shared' ? await sharedDatabase() : undefined
  const DATABASE_URL = shared?.DATABASE_URL ?? (onPostgres ? await freshPostgresDatabase() : '')
  const env = { PATH: process.env.PATH ?? '', JWT_SECRET: TEST_SECRET, DATABASE_URL, DATA_DIR: dataDir, ...settings }

  return {
    cwd,
    run (command, args, stdin = '') {
      const [name, fn] = commands[command] ?? []
      if (name === undefined || fn === undefined) throw new Error(`no command ${command}`)
      const context = { config: testConfig(env), stdin: Readable.from([stdin]), pglite: shared?.pglite }
      return execute(name, fn, args, context)
    },
    spawn (command, args, stdin = '') {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [...tsxFlags, join(cliDir, `${command}.ts`), ...args], { cwd, env })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk) => { stdout += String(chunk) })
        child.stderr.on('data', (chunk) => { stderr += String(chunk) })
        child.on('error', reject)
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
        child.stdin.end(stdin)
      })
    },
    async withApp (fn) {
      if (shared !== undefined) {
        const app = await build({ teardown () {} }, { database: shared, config: settings })
        try { await fn(app) } finally { await app.close() }
        return
      }
      // No database yet means no command has run: PGlite would create an empty one.
      if (!onPostgres && !existsSync(dataDir)) throw new Error('no command has created the database yet')
      const pglite = onPostgres ? undefined : await PGlite.create(dataDir)
      const app = await build({ teardown () {} }, { database: { DATABASE_URL, pglite }, config: settings })
      try {
        await fn(app)
      } finally {
        await app.close()
        await pglite?.close()
      }
    }
  }
}
