import { test, type Test } from 'tap'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onPostgres, TEST_SECRET } from './helper.js'
import { freshPostgresDatabase } from './helpers/databases.js'
import { signupBody } from './helpers/fixtures.js'
import { tsxFlags } from './helpers/program.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsxCjs = fileURLToPath(import.meta.resolve('tsx/cjs'))

interface Started { port: number, exited: Promise<number | null>, pid: number, output: () => string }

// The real entry point, as the container runs it, in an empty working directory.
async function startServer (t: Test, env: Record<string, string>): Promise<Started> {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-server-'))
  const child = spawn(process.execPath, [...tsxFlags, join(root, 'server.ts')], {
    cwd,
    env: { ...process.env, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', JWT_SECRET: TEST_SECRET, HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (chunk) => { out += String(chunk) })
  child.stderr.on('data', (chunk) => { out += String(chunk) })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000)
    child.stdout.on('data', () => {
      const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (match) { clearTimeout(timer); resolve(Number(match[1])) }
    })
    exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)), reject)
  })
  return { port, exited, pid: child.pid ?? 0, output: () => out }
}

test('SIGTERM: stop accepting, finish the request in flight, close, exit 0', async (t) => {
  const server = await startServer(t, { DATABASE_URL: onPostgres ? await freshPostgresDatabase() : '' })
  const body = JSON.stringify(signupBody())
  const half = Math.floor(body.length / 2)

  // A signup whose body arrives in two halves, with SIGTERM in between: in flight by any measure.
  const response = new Promise<{ status: number, body: string }>((resolve, reject) => {
    const req = request({ port: server.port, method: 'POST', path: '/api/v1/auth/signup', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = ''
      res.on('data', (chunk) => { data += String(chunk) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
    })
    req.on('error', reject)
    req.write(body.slice(0, half))
    setTimeout(() => {
      process.kill(server.pid, 'SIGTERM')
      setTimeout(() => req.end(body.slice(half)), 300)
    }, 300)
  })

  const res = await response
  t.equal(res.status, 201, `the in-flight signup completed (${res.body})`)
  t.match(JSON.parse(res.body), { username: 'reader' })
  t.equal(await server.exited, 0, 'exit code 0')
  t.match(server.output(), /"signal":"SIGTERM","msg":"closing"/)
  const refused = await new Promise<string>((resolve) => {
    request({ port: server.port, path: '/health' }, () => resolve('answered')).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error')).end()
  })
  t.equal(refused, 'ECONNREFUSED', 'no longer accepting')
})

test('the --require preload sizes the libuv pool for HASH_CONCURRENCY before anything else runs', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-pool-'))
  const size = (env: Record<string, string>) => execFileSync(process.execPath,
    ['--require', tsxCjs, '--require', join(root, 'preload.cts'), '-p', 'process.env.UV_THREADPOOL_SIZE'],
    { cwd, env: { PATH: process.env.PATH ?? '', ...env } }).toString().trim()
  t.equal(size({ HASH_CONCURRENCY: '3' }), '3')
  t.equal(size({ HASH_CONCURRENCY: '3', UV_THREADPOOL_SIZE: '2' }), '2', 'an explicit size wins')
  writeFileSync(join(cwd, '.env'), 'HASH_CONCURRENCY=5\n')
  t.equal(size({}), '5', 'read from .env too')
})
