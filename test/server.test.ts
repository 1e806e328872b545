import { test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { tsxFlags } from './helpers/program.js'

const serverTs = resolve(import.meta.dirname, '../server.ts')
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1' }

function startServer (cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...tsxFlags, serverTs], { cwd, env: { ...baseEnv, PORT: '0', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += String(d) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
      if (match?.[1]) resolve(match[1])
    })
    exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)), reject)
  })
  listening.catch(() => {}) // awaited only by the tests that expect a start
  return { child, listening, exited, output: () => ({ stdout, stderr }) }
}

async function stop (child: ChildProcess, exited: Promise<number | null>) {
  child.kill('SIGTERM')
  return exited
}

test('a bad configuration stops the process with one clear line and exit code 1', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-config-'))
  // A data directory an older Bookly (PGlite 0.4, PostgreSQL 17) wrote.
  const olderDataDir = join(cwd, 'pg17')
  mkdirSync(olderDataDir)
  writeFileSync(join(olderDataDir, 'PG_VERSION'), '17\n')
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ DATA_DIR: olderDataDir }, /DATA_DIR .*pg17 holds a PostgreSQL 17 database/],
    [{ JWT_SECRET: 'too-short' }, /JWT_SECRET/],
    [{ JWT_ALGORITHM: 'RS256' }, /^bookly: cannot start: JWT_ALGORITHM must be one of HS256, HS384, HS512, EdDSA, ES256$/],
    [{ JWT_ALGORITHM: 'none' }, /JWT_ALGORITHM/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://nope' }, /DATABASE_URL/],
    // Port 1: nothing listens there.
    [{ DATABASE_URL: 'postgres://bookly:hunter2@127.0.0.1:1/bookly' }, /DATABASE_URL postgres:\/\/bookly@127\.0\.0\.1:1\/bookly is unreachable: connection refused/]
  ]
  // Each in a working directory of its own (each writes its .env), all at once.
  const runs = await Promise.all(cases.map(async ([env, variable]) => {
    const server = startServer(mkdtempSync(join(tmpdir(), 'bookly-config-')), env)
    return { env, variable, code: await server.exited, ...server.output() }
  }))
  for (const { env, variable, code, stderr, stdout } of runs) {
    t.equal(code, 1, JSON.stringify(env))
    const lines = stderr.trim().split('\n')
    t.equal(lines.length, 1, 'one line')
    t.match(lines[0], variable)
    t.notMatch(stderr + stdout, /\n\s+at /, 'no stack trace')
    t.notMatch(stderr + stdout, /hunter2/, 'no password')
  }
  t.same(readdirSync(olderDataDir), ['PG_VERSION'], 'the older data directory is left as it was')
})

test('first start creates .env with a random secret; a restart reuses it and the data', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-fresh-'))
  copyFileSync(resolve(import.meta.dirname, '../.env.example'), join(cwd, '.env.example'))

  const first = startServer(cwd)
  const base = await first.listening
  const env = readFileSync(join(cwd, '.env'), 'utf8')
  const secret = /^JWT_SECRET=([0-9a-f]+)$/m.exec(env)?.[1]
  t.equal(secret?.length, 64, '64 hex characters')
  t.equal(statSync(join(cwd, '.env')).mode & 0o777, 0o600, 'readable by the owner only')
  t.match(env, /^DATABASE_URL=$/m, 'the rest of .env.example is kept')

  const email = 'persist@example.com'
  const password = 'a long enough password'
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'p', first_name: 'P', last_name: 'Q', email, password })
  })
  t.equal(signup.status, 201)
  const before = await (await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password })
  })).json() as { access_token: string }
  t.equal(await stop(first.child, first.exited), 0, 'exits 0 on SIGTERM')
  t.notMatch(first.output().stdout, new RegExp(`${password}|${before.access_token}|${secret}`), 'no secret in the log')

  const second = startServer(cwd)
  const base2 = await second.listening
  t.teardown(() => { second.child.kill('SIGKILL') })
  t.equal(readFileSync(join(cwd, '.env'), 'utf8'), env, '.env reused unchanged')
  const login = await fetch(`${base2}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password })
  })
  t.equal(login.status, 200, 'a user created before the restart can log in')
  const me = await fetch(`${base2}/api/v1/auth/me`, { headers: { authorization: `Bearer ${before.access_token}` } })
  t.equal(me.status, 200, 'a token issued before the restart still verifies: same secret')
  t.equal(await stop(second.child, second.exited), 0)
})
