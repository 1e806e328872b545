import { test, type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { LOCK_FILE, lockDataDir } from '../../db/data-dir-lock.js'
import { TEST_SECRET } from '../helper.js'
import { startProgram, type Program } from '../helpers/program.js'

// A working directory with its own DATA_DIR; the embedded database whatever the test run uses.
function workspace () {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-lock-'))
  const dataDir = join(cwd, 'data')
  const env = { JWT_SECRET: TEST_SECRET, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }
  return { cwd, dataDir, env, lockFile: join(dataDir, LOCK_FILE) }
}

type Workspace = ReturnType<typeof workspace>

function startServer (t: Test, { cwd, env }: Workspace): Program {
  const server = startProgram('server.ts', [], { cwd, env })
  t.teardown(() => server.kill('SIGKILL'))
  return server
}

const command = ({ cwd, env }: Workspace, file: string, args: string[], stdin?: string) =>
  startProgram(file, args, { cwd, env, stdin })

// Every file under a directory, by name. (Not their sizes or times: the running server may write
// its own files meanwhile, a periodic sweep for one.)
const fileNames = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()

const createArgs = ['--email', 'second@example.com', '--username', 'second']
const password = 'a long enough password\n'

test('a second server or command on a DATA_DIR in use fails at once, naming it and the holder, and changes nothing', async (t) => {
  const space = workspace()
  const server = startServer(t, space)
  await server.waitFor(/Server listening at/)
  t.equal(readFileSync(space.lockFile, 'utf8').trim(), String(server.pid), 'the lock names the server')
  const before = fileNames(space.dataDir)

  const second = startServer(t, space)
  // No password on its standard input: it is refused before it would ask for one.
  const create = command(space, 'cli/user-create.ts', createArgs)
  const migrate = command(space, 'cli/migrate.ts', ['status'])
  const refused = `DATA_DIR ${space.dataDir} is in use by process ${server.pid}: one process at a time may open the embedded database`
  for (const [name, program, prefix] of [['server', second, 'bookly: cannot start: '], ['user:create', create, 'bookly user:create: '], ['migrate', migrate, 'bookly migrate: ']] as const) {
    t.equal(await program.exited, 1, `${name} exits 1`)
    const lines = program.stderr().trim().split('\n')
    t.equal(lines.length, 1, `${name}: one line`)
    t.ok(lines[0]?.startsWith(prefix + refused), `${name}: ${lines[0]}`)
    t.notMatch(program.stdout(), /created|Server listening/)
  }
  t.same(fileNames(space.dataDir), before, 'no file in DATA_DIR was added or removed')
  t.equal(readFileSync(space.lockFile, 'utf8').trim(), String(server.pid), 'the lock still names the server')

  server.kill('SIGTERM')
  t.equal(await server.exited, 0)
  t.notOk(existsSync(space.lockFile), 'a clean stop removes the lock')
  // The refused user:create made nothing: the same account can be created now.
  const again = command(space, 'cli/user-create.ts', createArgs, password)
  t.equal(await again.exited, 0, again.stderr())
  t.match(again.stdout(), /^created user second@example\.com/)
  t.notOk(existsSync(space.lockFile), 'the command released the lock too')
})

test('a lock left by a killed server (kill -9) is recovered on the next start', async (t) => {
  const space = workspace()
  const first = startServer(t, space)
  await first.waitFor(/Server listening at/)
  first.kill('SIGKILL')
  await first.exited
  t.equal(readFileSync(space.lockFile, 'utf8').trim(), String(first.pid), 'the killed server left its lock')

  const next = startServer(t, space)
  await next.waitFor(/Server listening at/)
  t.equal(readFileSync(space.lockFile, 'utf8').trim(), String(next.pid), 'the new server holds it')
  next.kill('SIGTERM')
  t.equal(await next.exited, 0)
})

// A pid no process has: one that ran and exited.
const finishedPid = () => Number(execFileSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }))

test('the lock in process: held once, stale or unreadable locks taken over, released only by its holder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bookly-lock-'))
  const lockFile = join(dir, LOCK_FILE)
  const unlock = await lockDataDir(dir)
  await t.rejects(lockDataDir(dir), { message: `DATA_DIR ${dir} is in use by process ${process.pid}: one process at a time may open the embedded database (stop that one first, or set DATABASE_URL)` })
  await t.rejects(lockDataDir(relative(process.cwd(), dir)), { message: /is in use by process/ }, 'however the directory is spelled')
  await unlock()
  t.notOk(existsSync(lockFile))

  for (const stale of [String(finishedPid()), '', 'garbage', String(process.pid)]) {
    writeFileSync(lockFile, `${stale}\n`)
    const unlockStale = await lockDataDir(dir)
    t.equal(readFileSync(lockFile, 'utf8'), `${process.pid}\n`, `took over a lock holding ${JSON.stringify(stale)}`)
    await unlockStale()
  }
  t.same(readdirSync(dir), [], 'no draft or stale file is left behind')

  // A lock some other process took meanwhile is not removed by our release.
  const unlockMine = await lockDataDir(dir)
  writeFileSync(lockFile, `${process.ppid}\n`)
  await unlockMine()
  t.equal(readFileSync(lockFile, 'utf8'), `${process.ppid}\n`)
  await t.rejects(lockDataDir(dir), { message: new RegExp(`in use by process ${process.ppid}:`) })
})
