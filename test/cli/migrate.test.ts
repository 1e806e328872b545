import { test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { execute } from '../../cli/command.js'
import { migrate } from '../../cli/migrate.js'
import { migrations } from '../../db/migrations/index.js'
import { testConfig, TEST_SECRET } from '../helper.js'
import { emptyPostgresDatabase, onPostgres } from '../helpers/databases.js'
import { tsxFlags } from '../helpers/program.js'

const run = promisify(execFile)
const cli = resolve(import.meta.dirname, '../../cli/migrate.ts')
const names = Object.keys(migrations)

// A working directory of its own, and the environment an operator would give the command there.
async function workspace (env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-migrate-'))
  return {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      JWT_SECRET: TEST_SECRET,
      DATABASE_URL: onPostgres ? await emptyPostgresDatabase() : '',
      DATA_DIR: join(cwd, 'data'),
      ...env
    }
  }
}

// The program, as `npm run migrate -- ...args` starts it; exit code and output, never a throw.
async function program (cwd: string, env: Record<string, string>, args: string[]) {
  return run(process.execPath, [...tsxFlags, cli, ...args], { cwd, env })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }))
}

// The command, in process.
const inProcess = (env: Record<string, string>, args: string[]) =>
  execute('migrate', migrate, args, { config: testConfig(env), stdin: Readable.from([]) })

test('npm run migrate applies pending migrations, then reports the database up to date', async (t) => {
  const { cwd, env } = await workspace()
  // The program, on a database that has never been migrated.
  const first = await program(cwd, env, [])
  t.equal(first.stdout.trim(), `applied: ${names.join(', ')}`)
  // The command again, in process, on the same database.
  const second = await inProcess(env, [])
  t.equal(second.stdout.trim(), 'database is up to date')
})

test('--help prints the usage and touches no database, not even the default ./data', async (t) => {
  // No DATA_DIR and no DATABASE_URL: the embedded default, ./data in the working directory.
  const { cwd, env } = await workspace({ DATABASE_URL: '' })
  const { DATA_DIR: _unset, ...defaults } = env
  for (const args of [['--help'], ['-h'], ['status', '--help']]) {
    const outcome = await program(cwd, defaults, args)
    t.equal(outcome.code, 0, args.join(' '))
    t.match(outcome.stdout, /^usage: npm run migrate \[-- up \| status \| down \| --help\]\n {2}up {6}apply/)
    t.match(outcome.stdout, /down {4}revert the last applied migration \(one step\)/)
  }
  t.notOk(existsSync(join(cwd, 'data')), './data was not created')
})

test('unknown flags and actions are refused with one line, and no database is opened', async (t) => {
  const { cwd, env } = await workspace({ DATABASE_URL: '' })
  const cases: Array<[string[], RegExp]> = [
    [['--data-dir', '/tmp/elsewhere'], /^bookly migrate: Unknown option '--data-dir'.*; usage: npm run migrate/],
    [['--force'], /^bookly migrate: Unknown option '--force'/],
    [['downgrade'], /^bookly migrate: unknown action "downgrade"; usage: npm run migrate/],
    [['up', 'down'], /^bookly migrate: one action at a time; usage/],
    // status and down need a database that exists: they never initialise an empty one.
    [['status'], /^bookly migrate: no database in DATA_DIR \S+: `npm run migrate` creates it$/],
    [['down'], /^bookly migrate: no database in DATA_DIR /]
  ]
  for (const [args, message] of cases) {
    const outcome = await inProcess(env, args)
    t.equal(outcome.code, 1, args.join(' '))
    t.equal(outcome.stdout, '')
    t.equal(outcome.stderr.trim().split('\n').length, 1, 'one line')
    t.match(outcome.stderr.trim(), message)
  }
  t.notOk(existsSync(env.DATA_DIR), 'DATA_DIR was not created')

  // The program, with the default DATA_DIR (./data in its working directory).
  const { DATA_DIR: _unset, ...defaults } = env
  for (const args of [['--data-dir', join(cwd, 'elsewhere')], ['status']]) {
    const outcome = await program(cwd, defaults, args)
    t.equal(outcome.code, 1, args.join(' '))
    t.match(outcome.stderr.trim(), /^bookly migrate: [^\n]+$/, 'one line')
  }
  t.notOk(existsSync(join(cwd, 'data')), './data was not created')
  t.notOk(existsSync(join(cwd, 'elsewhere')))
})

test('status lists each migration as applied or pending; down reverts one step, up re-applies it', async (t) => {
  const { env } = await workspace()
  await inProcess(env, ['up'])
  const applied = await inProcess(env, ['status'])
  t.equal(applied.code, 0)
  const lines = applied.stdout.trim().split('\n')
  t.same(lines.map((line) => line.split(/\s+/)[0]), names, 'every migration, in order')
  for (const line of lines) t.match(line, /^\S+\s+applied \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const last = names.at(-1) ?? ''
  const previous = names.at(-2) ?? ''
  t.equal((await inProcess(env, ['down'])).stdout.trim(), `reverted: ${last}`)
  const afterDown = (await inProcess(env, ['status'])).stdout.trim().split('\n')
  t.match(afterDown.at(-1), new RegExp(`^${last}\\s+pending$`))
  t.match(afterDown.at(-2), new RegExp(`^${previous}\\s+applied `))
  t.equal((await inProcess(env, ['down'])).stdout.trim(), `reverted: ${previous}`, 'one step at a time')

  t.equal((await inProcess(env, [])).stdout.trim(), `applied: ${previous}, ${last}`)
  t.equal((await inProcess(env, ['status'])).stdout.match(/ applied /g)?.length, names.length)
})

test('down with nothing applied says so', async (t) => {
  const { env } = await workspace()
  await inProcess(env, ['up'])
  for (let i = 0; i < names.length; i++) await inProcess(env, ['down'])
  const outcome = await inProcess(env, ['down'])
  t.equal(outcome.code, 0)
  t.equal(outcome.stdout.trim(), 'no migration is applied')
})
