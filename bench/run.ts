// `npm run bench` (and `bench:smoke`): builds, starts the service and its baselines as child
// processes, drives them with autocannon and prints one table (and writes bench/RESULTS.md).
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createScratchDatabase } from '../test/helpers/scratch-database.js'
import { cpuSeconds, nodeArgsFor, repoRoot, startRawArgon2, startServer, trackPeakRss, type Child } from './children.js'
import { createBooks, login, newEmail, PASSWORD, signup, signupBody } from './fixtures.js'
import { runLoad, summarise, type LoadSpec, type Measurement } from './load.js'
import { fixed, markdownTable, median, rowsMarkdown, textTable, type Row } from './report.js'

const smoke = process.argv.includes('--smoke')
const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`)
  return value
}
// Smoke: the same code with tiny durations, checking that every scenario still runs.
const settings = smoke
  ? { duration: 1, repeat: 1, warmup: 0, connections: 2, hashConnections: 2 }
  : {
      duration: envNumber('BENCH_DURATION', 10),
      repeat: Math.max(1, Math.round(envNumber('BENCH_REPEAT', 3))),
      warmup: envNumber('BENCH_WARMUP', 1),
      connections: envNumber('BENCH_CONNECTIONS', 10),
      // argon2-bound scenarios: twice HASH_CONCURRENCY (= CPUs), so a hash is always queued, and
      // well inside the default hash capacity (3 x CPUs), so none is refused with 503.
      hashConnections: envNumber('BENCH_HASH_CONNECTIONS', 2 * availableParallelism())
    }
const { duration, repeat, warmup, connections, hashConnections } = settings

const started = performance.now()
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`
const progress = (message: string) => console.error(`[${elapsed()}] ${message}`)
const run = promisify(execFile)
const problems: string[] = []
const runs = new Map<string, Measurement[]>()
const cleanups: Array<() => Promise<void>> = []
let service: Child | undefined
let baseline: Child | undefined

function record (name: string, m: Measurement): void {
  progress(`${name}: ${fixed(m.rps)} req/s, p50 ${fixed(m.p50, 2)} ms, p99 ${fixed(m.p99, 2)} ms, ${fixed(m.cpuMs, 3)} CPU ms/req`)
  if (m.failures > 0) problems.push(`${name}: ${m.failureDetail}`)
  if (m.responses === 0) problems.push(`${name}: no successful response`)
  runs.set(name, [...(runs.get(name) ?? []), m])
}

function checkAlive (): void {
  for (const child of [service, baseline]) {
    const exit = child?.exited()
    if (exit !== undefined) throw new Error(exit)
  }
}

interface Step {
  warmUp?: () => Promise<unknown>
  run: () => Promise<void>
}

// Warm every step up once, then repeat the steps interleaved, so a scenario and its baseline
// see the same moments of a noisy machine.
async function group (steps: Step[]): Promise<void> {
  if (warmup > 0) {
    for (const step of steps) {
      await step.warmUp?.()
      checkAlive()
    }
  }
  for (let i = 0; i < repeat; i++) {
    for (const step of steps) {
      await step.run()
      checkAlive()
    }
  }
}

function http (name: string, spec: () => Promise<LoadSpec> | LoadSpec, onRun?: (run: () => Promise<Measurement>) => Promise<Measurement>): Step {
  return {
    warmUp: async () => {
      const m = await runLoad({ ...await spec(), duration: warmup })
      if (m.failures > 0) problems.push(`${name} (warm-up): ${m.failureDetail}`)
    },
    run: async () => {
      const load = async () => runLoad({ ...await spec(), duration })
      record(name, await (onRun ? onRun(load) : load()))
    }
  }
}

async function freshDatabase (adminUrl: string): Promise<string> {
  const { url, drop } = await createScratchDatabase(adminUrl, 'bookly_bench')
  cleanups.push(drop)
  return url
}

type Field = keyof Pick<Measurement, 'rps' | 'p50' | 'p99' | 'cpuMs'>
const med = (name: string, field: Field) => median((runs.get(name) ?? []).map((m) => m[field]))
// Run i of a scenario was measured right next to run i of its baseline: compare them pairwise,
// so a burst of load from elsewhere on the machine moves one ratio, not the median.
const pairedMedian = (name: string, against: string, field: Field, f: (a: number, b: number) => number) => {
  const others = runs.get(against) ?? []
  return median((runs.get(name) ?? []).map((m, i) => f(m[field], others[i]?.[field] ?? Number.NaN)))
}

// PGlite's initdb, done while the build runs: the service then starts as on any start after its first.
async function initDataDir (dir: string): Promise<void> {
  const script = `import { PGlite } from '@electric-sql/pglite'
    const db = new PGlite(${JSON.stringify(dir)}); await db.waitReady; await db.close()`
  await run(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot })
}

async function build (): Promise<void> {
  await run('npm', ['run', '--silent', 'build'], { cwd: repoRoot }).catch((err: { stdout?: string, stderr?: string }) => {
    throw new Error(`npm run build failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`)
  })
}

async function main (): Promise<void> {
  progress(`bookly bench${smoke ? ' (smoke)' : ''}: ${duration} s × ${repeat} per scenario after ${warmup} s warm-up`)
  // The service's cwd is a temp dir, so the .env it writes on first start is not the repo's.
  const tmp = mkdtempSync(join(tmpdir(), 'bookly-bench-'))
  // On 'exit', so that it also goes when the bench dies of an uncaught error.
  process.once('exit', () => rmSync(tmp, { recursive: true, force: true }))
  const adminUrl = process.env.BENCH_DATABASE_URL ?? ''
  const dataDir = join(tmp, 'data')
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: ''
  }
  const serviceEnv: NodeJS.ProcessEnv = {
    ...childEnv,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    // Production settings but the abuse limits: all the load comes from one IP and a few accounts.
    AUTH_RATE_LIMIT: String(1e9),
    SIGNUP_RATE_LIMIT: String(1e9),
    CHANGE_PASSWORD_RATE_LIMIT: String(1e9),
    LOGIN_FAILURES_PER_ACCOUNT: String(1e9)
  }
  // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS): the service's only.
  const serviceArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)

  // The baseline server and the raw argon2 child run from source: they start while the build runs.
  // Each child is recorded as soon as it runs, so a failed build still stops it.
  const [databaseUrl, rawArgon2] = await Promise.all([
    adminUrl === '' ? '' : freshDatabase(adminUrl),
    startRawArgon2(childEnv, tmp).then((raw) => {
      cleanups.push(async () => raw.stop())
      return raw
    }),
    startServer({ name: 'baseline server', args: nodeArgsFor(join(repoRoot, 'bench/baseline-server.ts')), env: childEnv, cwd: tmp, readyPath: '/' })
      .then((child) => { baseline = child }),
    adminUrl === '' ? initDataDir(dataDir) : undefined,
    build()
  ])
  progress('built')
  service = await startServer({
    name: 'service',
    // As `npm start` runs it: the preload sizes libuv's pool and settles nextTick before anything loads.
    args: [...serviceArgs, '--require', join(repoRoot, 'dist/preload.cjs'), join(repoRoot, 'dist/server.js')],
    env: { ...serviceEnv, DATABASE_URL: databaseUrl },
    cwd: tmp,
    readyPath: '/health'
  })
  progress('service, baseline server and raw argon2 child started')
  const base = service.url
  const email = await signup(base)
  const { access } = await login(base, email)
  const auth = { authorization: `Bearer ${access}` }

  // 1. The authenticated GET against a bare route with the same Fastify settings.
  await group([
    http('bare Fastify route (baseline)', () => ({ url: baseline?.url ?? '', pid: baseline?.pid, connections, duration, expectStatus: 200 })),
    http('GET /auth/verify', () => ({ url: base, pid: service?.pid, path: '/api/v1/auth/verify', headers: auth, connections, duration, expectStatus: 200 }))
  ])

  // 2. Login against raw argon2 verify at the same concurrency; peak RSS taken during login.
  const rss: Array<{ before: number, peak: number }> = []
  const loginBody = JSON.stringify({ email, password: PASSWORD })
  const argon2Step = (mode: 'hash' | 'verify', name: string): Step => ({
    run: async () => {
      const raw = await rawArgon2.measure(mode, hashConnections, duration)
      record(name, summarise(raw.latencies, raw.seconds, raw.cpuSeconds))
    }
  })
  await group([
    argon2Step('verify', 'raw argon2 verify (baseline)'),
    http('login, correct password', () => ({ url: base, pid: service?.pid, path: '/api/v1/auth/login', method: 'POST', body: loginBody, connections: hashConnections, duration, expectStatus: 200 }),
      async (load) => {
        const tracker = trackPeakRss(service?.pid ?? 0)
        const m = await load()
        rss.push({ before: tracker.before, peak: tracker.peak() })
        return m
      })
  ])

  // 3. Signup, a new e-mail every request, against raw argon2 hash.
  const signupRequests = () => [{
    method: 'POST' as const,
    path: '/api/v1/auth/signup',
    setupRequest: (req: object) => ({ ...req, body: signupBody(newEmail('s')) })
  }]
  await group([
    argon2Step('hash', 'raw argon2 hash (baseline)'),
    http('signup, new e-mail', () => ({ url: base, pid: service?.pid, requests: signupRequests(), connections: hashConnections, duration, expectStatus: 201 }))
  ])

  // 4. Failed logins: unknown e-mail and wrong password under the same load at the same time.
  const half = Math.max(1, Math.floor(hashConnections / 2))
  const failing = (body: object): LoadSpec => ({ url: base, path: '/api/v1/auth/login', method: 'POST', body: JSON.stringify(body), connections: half, duration, expectStatus: 403 })
  const unknown = failing({ email: newEmail('nobody'), password: PASSWORD })
  const wrong = failing({ email, password: `${PASSWORD}!` })
  const pair = async (seconds: number, keep: boolean) => {
    const cpuBefore = cpuSeconds(service?.pid ?? 0)
    const [u, w] = await Promise.all([runLoad({ ...unknown, duration: seconds }), runLoad({ ...wrong, duration: seconds })])
    // One process served both halves: share its CPU time over all their responses.
    u.cpuMs = w.cpuMs = ((cpuSeconds(service?.pid ?? 0) - cpuBefore) * 1000) / (u.responses + w.responses)
    if (keep) {
      record('login, unknown e-mail', u)
      record('login, wrong password', w)
    } else if (u.failures + w.failures > 0) problems.push(`failed logins (warm-up): ${u.failureDetail} ${w.failureDetail}`)
  }
  await group([{ warmUp: () => pair(warmup, false), run: () => pair(duration, true) }])

  // 5. Refresh: every refresh rotates, so each response's refresh token is the next request's.
  const pool: string[] = []
  const topUp = async () => {
    // One at a time: a burst of logins beyond the service's hash capacity would get 503s.
    while (pool.length < connections + 2) pool.push((await login(base, email)).refresh)
  }
  await group([http('GET /auth/refresh_token', async () => {
    await topUp()
    return {
      url: base,
      pid: service?.pid,
      connections,
      duration,
      expectStatus: 200,
      requests: [{
        method: 'GET' as const,
        path: '/api/v1/auth/refresh_token',
        setupRequest: (req: { headers?: Record<string, unknown> }) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${pool.pop() ?? ''}` } }),
        onResponse: (status: number, body: string) => {
          if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token)
        }
      }]
    }
  })])

  // 6. The books list, once the books API is there.
  const booksAvailable = await createBooks(base, access, 20)
  if (booksAvailable) {
    await group([http('GET /books?limit=20', () => ({ url: base, pid: service?.pid, path: '/api/v1/books?limit=20', headers: auth, connections, duration, expectStatus: 200 }))])
  }

  const seconds = (performance.now() - started) / 1000
  report({ booksAvailable, rss, seconds, database: adminUrl === '' ? 'embedded PGlite' : 'PostgreSQL' })
}

function report (info: { booksAvailable: boolean, rss: Array<{ before: number, peak: number }>, seconds: number, database: string }): void {
  const verdict = (ok: boolean) => smoke ? '(smoke)' : ok ? 'yes' : 'NO'
  const row = (name: string, conns: number, rest: Partial<Row> = {}): Row => ({
    scenario: name,
    connections: String(conns),
    rps: fixed(med(name, 'rps')),
    p50: fixed(med(name, 'p50'), 2),
    p99: fixed(med(name, 'p99'), 2),
    cpu: fixed(med(name, 'cpuMs'), 3),
    against: '',
    ratio: '',
    target: '',
    met: '',
    ...rest
  })
  const throughput = (name: string, against: string, target: number): Partial<Row> => {
    const ratio = pairedMedian(name, against, 'rps', (a, b) => a / b)
    return { against, ratio: fixed(ratio, 3), target: `≥ ${target.toFixed(2)}`, met: verdict(ratio >= target) }
  }
  const relative = (name: string): Partial<Row> => ({
    against: 'GET /auth/verify',
    ratio: `${fixed(med(name, 'rps') / med('GET /auth/verify', 'rps'), 2)} req/s, ${fixed(med(name, 'p99') / med('GET /auth/verify', 'p99'), 1)}× p99`,
    target: 'report'
  })
  const spread = pairedMedian('login, wrong password', 'login, unknown e-mail', 'p50', (a, b) => Math.abs(a - b) / Math.min(a, b))
  const peakMb = Math.max(...info.rss.map((r) => r.peak)) / 2 ** 20
  const beforeMb = Math.min(...info.rss.map((r) => r.before)) / 2 ** 20
  const half = Math.max(1, Math.floor(hashConnections / 2))

  const rows: Row[] = [
    row('bare Fastify route (baseline)', connections),
    row('GET /auth/verify', connections, throughput('GET /auth/verify', 'bare Fastify route (baseline)', 0.85)),
    row('raw argon2 verify (baseline)', hashConnections),
    row('login, correct password', hashConnections, throughput('login, correct password', 'raw argon2 verify (baseline)', 0.9)),
    row('raw argon2 hash (baseline)', hashConnections),
    row('signup, new e-mail', hashConnections, throughput('signup, new e-mail', 'raw argon2 hash (baseline)', 0.85)),
    row('login, unknown e-mail', half),
    row('login, wrong password', half, {
      against: 'login, unknown e-mail (same time)',
      ratio: `p50 differs ${fixed(spread * 100)}%`,
      target: '≤ 10%',
      met: verdict(spread <= 0.1)
    }),
    row('GET /auth/refresh_token', connections, relative('GET /auth/refresh_token')),
    info.booksAvailable
      ? row('GET /books?limit=20', connections, relative('GET /books?limit=20'))
      : { ...row('GET /books?limit=20', connections), rps: 'not available', against: 'GET /auth/verify', target: 'report' },
    {
      ...row('peak RSS of the service during login', hashConnections),
      rps: '',
      p50: '',
      p99: '',
      cpu: '',
      against: `${fixed(peakMb)} MB (${fixed(beforeMb)} MB idle before)`,
      target: '< 250 MB',
      met: verdict(peakMb < 250)
    }
  ]

  const cpu = cpus()
  const meta = [
    `Node ${process.version}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length} cores, ${info.database}`,
    `${duration} s per run after a ${warmup} s warm-up, median of ${repeat} run(s); total ${fixed(info.seconds)} s`,
    `service: node --require dist/preload.cjs dist/server.js, NODE_ENV=production, LOG_LEVEL=warn, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'HASH_CONCURRENCY (preload)'}`
  ]
  console.log(`\n${textTable(rows)}\n\n${meta.join('\n')}`)
  if (info.seconds > 300) console.log('warning: the suite took longer than its 5-minute budget')
  if (problems.length > 0) console.log(`\nerrors:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  if (smoke) return

  const perRun = [...runs].map(([name, ms]) => [name, ...ms.map((m) => `${fixed(m.rps)} / ${fixed(m.p50, 2)} / ${fixed(m.p99, 2)}`)])
  const markdown = [
    '# Bookly benchmark results',
    '',
    `Generated by \`npm run bench\` on ${new Date().toISOString()}. Do not edit: re-run the bench.`,
    '',
    ...meta.map((line) => `- ${line}`),
    '',
    'Figures are medians of the runs. Targets compare each run with the baseline run measured next to it (or, for the',
    'two failed logins, at the same time) and take the median of those ratios; "report" rows compare medians.',
    '',
    rowsMarkdown(rows),
    '',
    '## Every run (req/s / p50 ms / p99 ms)',
    '',
    markdownTable(['scenario', ...Array.from({ length: repeat }, (_, i) => `run ${i + 1}`)], perRun),
    '',
    ...(problems.length > 0 ? ['## Errors', '', ...problems.map((p) => `- ${p}`), ''] : [])
  ].join('\n')
  writeFileSync(join(repoRoot, 'bench/RESULTS.md'), markdown)
}

try {
  await main()
} catch (err) {
  problems.push(`crashed: ${(err as Error).message}`)
  console.error(`bench failed: ${(err as Error).message}`)
} finally {
  await service?.stop()
  await baseline?.stop()
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => console.error(`cleanup: ${err.message}`))
}
process.exitCode = problems.length > 0 ? 1 : 0
