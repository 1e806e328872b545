import { test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { execute } from '../../cli/command.js'
import { migrate } from '../../cli/migrate.js'
import { migrations } from '../../db/migrations/index.js'
import { testConfig, TEST_SECRET } from '../helper.js'
import { emptyPostgresDatabase, onPostgres } from '../helpers/databases.js'

const run = promisify(execFile)

test('npm run migrate applies pending migrations, then reports the database up to date', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-migrate-'))
  const env = {
    PATH: process.env.PATH ?? '',
    JWT_SECRET: TEST_SECRET,
    DATABASE_URL: onPostgres ? await emptyPostgresDatabase() : '',
    DATA_DIR: join(cwd, 'data')
  }
  // The program, on a database that has never been migrated.
  const cli = resolve(import.meta.dirname, '../../cli/migrate.ts')
  const first = await run(process.execPath, ['--import', import.meta.resolve('tsx'), cli], { cwd, env })
  t.equal(first.stdout.trim(), `applied: ${Object.keys(migrations).join(', ')}`)
  // The command again, in process, on the same database.
  const second = await execute('migrate', migrate, [], { config: testConfig(env), stdin: Readable.from([]) })
  t.equal(second.stdout.trim(), 'database is up to date')
})
