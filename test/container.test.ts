import { test } from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import semver from 'semver'
import { tsxFlags } from './helpers/program.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8')

const dockerfile = read('Dockerfile')
const compose = read('compose.yml')
const envExample = read('.env.example')
const readme = read('README.md')

// Variables .env.example documents, set (`NAME=`) or shown commented out (`# NAME=`).
const documented = new Set([...envExample.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] ?? ''))

// The runtime stage: everything after the last FROM.
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))

function dockerEnv (): Record<string, string> {
  const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? ''
  return Object.fromEntries([...block.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]))
}

// The `environment:` mapping of one compose service, read as indented `KEY: value` lines.
function serviceEnvironment (service: string): Record<string, string> {
  const lines = compose.split('\n')
  const start = lines.indexOf(`  ${service}:`)
  const env: Record<string, string> = {}
  let inEnv = false
  for (const line of lines.slice(start + 1)) {
    if (/^ {2}\S/.test(line) || /^\S/.test(line)) break
    if (/^ {4}environment:/.test(line)) { inEnv = true; continue }
    if (inEnv && /^ {6}[A-Z_]+:/.test(line)) {
      const [, key = '', value = ''] = /^ {6}([A-Z_]+):\s*(.*)$/.exec(line) ?? []
      env[key] = value
    } else if (inEnv && /^ {4}\S/.test(line)) inEnv = false
  }
  return env
}

// The image's Node: the current LTS line, 24 (Krypton), checked at its first LTS release.
const IMAGE_NODE_MAJOR = '24'
const IMAGE_NODE = '24.11.0'

test('Dockerfile: multi-stage node:24-slim, production deps only, non-root, health-checked', async (t) => {
  t.same([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]), [`node:${IMAGE_NODE_MAJOR}-slim`, `node:${IMAGE_NODE_MAJOR}-slim`], 'two stages on the LTS slim image')
  t.match(runtime, /^RUN npm ci --omit=dev/m)
  t.match(runtime, /^COPY --from=build \/app\/dist \.\/dist$/m)
  t.match(runtime, /^USER node$/m)
  t.match(runtime, /^HEALTHCHECK .*\n?.*\/health/m)
  t.match(runtime, /^CMD \["node", "dist\/server\.js"\]$/m)
})

test('the image\'s environment, port and start command match .env.example and the docs', async (t) => {
  const env = dockerEnv()
  t.equal(env.HOST, '0.0.0.0')
  t.equal(env.NODE_ENV, 'production', 'no .env, so no secret, is ever written in the image')
  t.notMatch(runtime, /^COPY .*\.env/m, 'no .env or .env.example copied into the image')
  t.equal(/^EXPOSE (\d+)$/m.exec(runtime)?.[1], env.PORT, 'EXPOSE is the PORT it listens on')
  t.equal(env.NODE_OPTIONS, '--require=/app/dist/preload.cjs', 'the preload')
  for (const name of Object.keys(env).filter((n) => n !== 'NODE_OPTIONS')) {
    t.ok(documented.has(name), `${name} is documented in .env.example`)
  }
  t.ok(readme.includes('CMD ["node", "dist/server.js"]'), 'the README names the start command')
  t.ok(readme.includes(`PORT=${env.PORT}`) && readme.includes('HOST=0.0.0.0'), 'the README names the image environment')
  for (const name of documented) {
    t.ok(readme.includes(`| \`${name}\``) || readme.includes(`/ \`${name}\``), `${name} is in the README's configuration table`)
  }
})

test('with the image\'s environment and no JWT_SECRET the server refuses to start with one line, writing nothing', async (t) => {
  const { NODE_OPTIONS: _preload, ...env } = dockerEnv()
  // The working directory holds a .env.example, as a developer's does: it must not become a .env.
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-image-'))
  writeFileSync(join(cwd, '.env.example'), envExample)
  const started = spawnSync(process.execPath, [...tsxFlags, `${root}server.ts`], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, DATA_DIR: join(cwd, 'data') },
    encoding: 'utf8'
  })
  t.equal(started.status, 1)
  t.equal(started.stderr, 'bookly: cannot start: JWT_SECRET is required: at least 32 random characters, e.g. the output of openssl rand -hex 32\n')
  t.same(readdirSync(cwd), ['.env.example'], 'no .env, no data directory')
})

test('supported Node: the engines field takes 20.19+, 22 and 24; every runtime dependency runs on the image\'s Node without EBADENGINE', async (t) => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node
  for (const version of ['20.19.0', '22.13.0', IMAGE_NODE, '24.22.3']) t.ok(semver.satisfies(version, engines), `${version} is supported`)
  for (const version of ['20.18.0', '18.20.0']) t.notOk(semver.satisfies(version, engines), `${version} is not`)
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean, engines?: { node?: string } }> }
  const runtime = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev !== true)
  t.ok(runtime.some(([path]) => path === 'node_modules/fastify'), 'the runtime dependencies are listed')
  const refusing = runtime.filter(([, entry]) => entry.engines?.node !== undefined && !semver.satisfies(IMAGE_NODE, entry.engines.node))
  t.same(refusing.map(([path, entry]) => `${path} ${entry.engines?.node}`), [], `all accept Node ${IMAGE_NODE}`)
})

test('compose.yml: the API and PostgreSQL 16 with a volume, the API waiting for its healthcheck', async (t) => {
  const api = serviceEnvironment('api')
  t.match(api.DATABASE_URL, /^postgres:\/\/.+@db:5432\//, 'DATABASE_URL points at the db service')
  t.match(api.JWT_SECRET, /^\$\{JWT_SECRET:\?/, 'JWT_SECRET is required from the environment')
  t.equal(api.HOST, '0.0.0.0')
  for (const name of Object.keys(api)) t.ok(documented.has(name), `${name} is documented in .env.example`)
  t.match(compose, /ports:\n\s+- "(\d+):\1"/, 'the published port is the container port')
  t.equal(/ports:\n\s+- "\d+:(\d+)"/.exec(compose)?.[1], api.PORT)
  t.match(compose, /depends_on:\n\s+db:\n\s+condition: service_healthy/)
  t.match(compose, /image: postgres:16\n/)
  t.match(compose, /healthcheck:\n\s+test: \["CMD-SHELL", "pg_isready/)
  t.match(compose, /- pgdata:\/var\/lib\/postgresql\/data/)
  t.match(compose, /^volumes:\n {2}pgdata:/m)
})

test('compose.yml: Mailpit catches the API\'s mail and shows it on a loopback web UI port the README names', async (t) => {
  const api = serviceEnvironment('api')
  t.match(api.SMTP_URL, /^\$\{SMTP_URL:-smtp:\/\/mailpit:1025\}$/, 'SMTP_URL points at Mailpit\'s SMTP port by default')
  t.match(api.PUBLIC_URL, /^\$\{PUBLIC_URL:-http:\/\/localhost:(\d+)\}$/, 'links point at the published API port')
  t.equal(/localhost:(\d+)/.exec(api.PUBLIC_URL ?? '')?.[1], api.PORT)
  const mailpit = compose.slice(compose.indexOf('\n  mailpit:\n'), compose.indexOf('\n  db:\n'))
  t.match(mailpit, /image: axllent\/mailpit/)
  const uiPort = /ports:\n\s+- "127\.0\.0\.1:(\d+):8025"/.exec(mailpit)?.[1]
  t.equal(uiPort, '8025', 'the web UI on loopback only: it shows every link')
  t.match(compose, /depends_on:\n\s+db:\n\s+condition: service_healthy\n\s+mailpit:\n\s+condition: service_started/)
  t.ok(readme.includes(`http://localhost:${uiPort}`), 'the README says where to read the mail')
})

// The compose CLI validates the file without a Docker engine. It is the v2 plugin (`docker
// compose`) or the v1 `docker-compose`, whichever is installed.
function composeCommand (): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose']
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose']
  return undefined
}

const cli = composeCommand()

// .ci/run installs a compose CLI, so CI always runs this; a machine without one has no compose to check.
if (cli) {
  test('docker compose config accepts compose.yml, and refuses it without JWT_SECRET', async (t) => {
    const [command = 'docker', ...args] = cli ?? []
    // No engine to reach, and no .env: only the variables given here.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DOCKER_HOST: 'unix:///nonexistent.sock' }
    const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'bookly-compose-')), 'empty.env')
    writeFileSync(emptyEnvFile, '')
    const config = [...args, '--env-file', emptyEnvFile, '-f', `${root}compose.yml`, 'config', '-q']
    t.doesNotThrow(() => execFileSync(command, config, { cwd: root, env: { ...env, JWT_SECRET: 'x'.repeat(32) }, stdio: 'pipe' }))
    const missing = spawnSync(command, config, { cwd: root, env })
    t.not(missing.status, 0)
    t.match(String(missing.stderr), /JWT_SECRET/)
  })
}
