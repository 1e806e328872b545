// Runs the user:* commands as an operator would: a separate process, configured only by its
// environment, in a working directory of its own, against a database of its own.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { PGlite } from '@electric-sql/pglite'
import { build, freshPostgresDatabase, onPostgres, TEST_SECRET } from '../helper.js'

const tsx = import.meta.resolve('tsx')
const cliDir = join(import.meta.dirname, '../../cli')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliDatabase {
  cwd: string
  run (command: 'user-create' | 'user-role', args: string[], stdin?: string): Promise<CliResult>
  // The app on the commands' database. On PGlite only one process may open it at a time,
  // so the app is closed again before the next command runs.
  withApp (fn: (app: FastifyInstance) => Promise<void>): Promise<void>
}

export async function cliDatabase (t: { teardown (fn: () => unknown): void }): Promise<CliDatabase> {
  const cwd = await mkdtemp(join(tmpdir(), 'bookly-cli-'))
  t.teardown(() => rm(cwd, { recursive: true, force: true }))
  const dataDir = join(cwd, 'data')
  const DATABASE_URL = onPostgres ? await freshPostgresDatabase() : ''
  const env = { PATH: process.env.PATH ?? '', JWT_SECRET: TEST_SECRET, DATABASE_URL, DATA_DIR: dataDir }

  return {
    cwd,
    run (command, args, stdin = '') {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', tsx, join(cliDir, `${command}.ts`), ...args], { cwd, env })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk) => { stdout += String(chunk) })
        child.stderr.on('data', (chunk) => { stderr += String(chunk) })
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stdout, stderr }))
        child.stdin.end(stdin)
      })
    },
    async withApp (fn) {
      // No database yet means no command has run: PGlite would create an empty one.
      if (!onPostgres && !existsSync(dataDir)) throw new Error('no command has created the database yet')
      const pglite = onPostgres ? undefined : await PGlite.create(dataDir)
      const app = await build({ teardown () {} }, { database: { DATABASE_URL, pglite } })
      try {
        await fn(app)
      } finally {
        await app.close()
        await pglite?.close()
      }
    }
  }
}
