// `npm run bench` (and `bench:smoke`): builds, starts the children, drives bench/scenarios.ts, prints the table and writes RESULTS.md.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createScratchDatabase } from '../test/helpers/scratch-database.js'
import { insertSessions } from '../test/helpers/sessions.js'
import { sql } from 'kysely'
import { connect } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import { cpuSeconds, cpuSince, nodeArgsFor, repoRoot, startRawArgon2, startServer, trackPeakRss, type Child, type RawArgon2 } from './children.js'
import { createBooks, login, loginBody, signup } from './fixtures.js'
import { runLoad, summarise, type LoadSpec, type Measurement } from './load.js'
import { fixed, resultRows, resultsMarkdown, textTable, type PeakRss } from './report.js'
import { scenarioNamed, scenarios, type Connections, type Fixtures, type HttpDrive, type Scenario, type Server, type SweepDrive } from './scenarios.js'

const smoke = process.argv.includes('--smoke')
const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`)
  return value
}
// Smoke: the same code with tiny durations, checking that every scenario still runs.
const settings = smoke
  ? { duration: 1, repeat: 1, warmup: 0, connections: 2, verifyConnections: 2, hashConnections: 2, burst: 4, overloadConnections: 8 }
  : {
      duration: envNumber('BENCH_DURATION', 10),
      repeat: Math.max(1, Math.round(envNumber('BENCH_REPEAT', 3))),
      warmup: envNumber('BENCH_WARMUP', 1),
      connections: envNumber('BENCH_CONNECTIONS', 10),
      // GET /auth/verify and its baselines: issue 22 measures the token check at 50 connections.
      verifyConnections: envNumber('BENCH_VERIFY_CONNECTIONS', 50),
      // argon2-bound scenarios: 20 connections, so hashes always queue, and with the default
      // HASH_MAX_WAIT_MS (2 s) none should be refused.
      hashConnections: envNumber('BENCH_HASH_CONNECTIONS', 20),
      burst: envNumber('BENCH_BURST', 50),
      // The overload's admitted requests wait up to HASH_MAX_WAIT_MS each: three times the service's
      // capacity needs some hundreds of connections open.
      overloadConnections: envNumber('BENCH_OVERLOAD_CONNECTIONS', 300)
    }
const { duration, repeat, warmup } = settings
const connectionCounts: Record<Connections, number> = {
  http: settings.connections,
  verify: settings.verifyConnections,
  hash: settings.hashConnections,
  'half of hash': Math.max(1, Math.floor(settings.hashConnections / 2)),
  burst: settings.burst,
  overload: settings.overloadConnections
}
// The service's hashing threads (HASH_CONCURRENCY, sized by its preload) and wait budget, as it will read them.
const hashThreads = Number(process.env.HASH_CONCURRENCY ?? '') || availableParallelism()
const hashMaxWaitMs = Number(process.env.HASH_MAX_WAIT_MS ?? '') || 2000

const started = performance.now()
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`
const progress = (message: string) => console.error(`[${elapsed()}] ${message}`)
const run = promisify(execFile)
const problems: string[] = []
const runs = new Map<string, Measurement[]>()
// The latest measurement of each scenario, warm-ups included: what an open-loop rate is taken from.
const latest = new Map<string, Measurement>()
// By scenario: for each of its runs, the run of the scenario it is compared with measured just
// before it (alternately) or with it (at the same time).
const pairs = new Map<string, Array<Measurement | undefined>>()
// By the name of the peak RSS scenario.
const peakRss = new Map<string, PeakRss[]>()
// What the sweep scenario swept, for the report's notes.
const sweepNotes: string[] = []
const cleanups: Array<() => Promise<void>> = []
let service: Child | undefined
let eddsaService: Child | undefined
let baseline: Child | undefined
let bareBaseline: Child | undefined

function record (name: string, m: Measurement): void {
  progress(`${name}: ${fixed(m.rps)} req/s, p50 ${fixed(m.p50, 2)} ms, p99 ${fixed(m.p99, 2)} ms, ${fixed(m.cpuMs, 3)} CPU ms/req (main thread ${fixed(m.mainCpuMs, 3)})`)
  if (m.failures > 0) problems.push(`${name}: ${m.failureDetail}`)
  if (m.responses === 0) problems.push(`${name}: no successful response`)
  runs.set(name, [...(runs.get(name) ?? []), m])
  latest.set(name, m)
  const scenario = scenarioNamed(name)
  for (const against of [scenario.target !== undefined && 'against' in scenario.target ? scenario.target.against : undefined, scenario.alsoAgainst]) {
    if (against !== undefined) pairs.set(`${name} | ${against}`, [...(pairs.get(`${name} | ${against}`) ?? []), runs.get(against)?.at(-1)])
  }
}

function checkAlive (): void {
  for (const child of [service, eddsaService, baseline, bareBaseline]) {
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

function warmUpProblems (name: string, m: Measurement): void {
  if (m.failures > 0) problems.push(`${name} (warm-up): ${m.failureDetail}`)
}

// The sweep scenario's service: a database of its own, filled before the service starts.
interface SweepingService {
  databaseUrl: string
  dataDir: string
  start: () => Promise<Child>
}

// What a step needs once the children run and the accounts exist.
interface Bench {
  servers: Record<Server, Child>
  sweeping: SweepingService
  rawArgon2: RawArgon2
  // On each service (the baselines have no accounts).
  fixtures: Record<'service' | 'service (EdDSA)', Fixtures>
}

// The load an HTTP scenario's drive describes; called before every run.
function httpLoad (drive: HttpDrive, bench: Bench): () => Promise<LoadSpec> {
  const server = bench.servers[drive.server]
  const { method, path, bodyPerRequest } = drive
  const fixtures = bench.fixtures[drive.server === 'service (EdDSA)' ? drive.server : 'service']
  const spec: LoadSpec = {
    url: server.url,
    pid: server.pid,
    method,
    path,
    body: drive.body?.(fixtures),
    headers: drive.token === 'access' ? { authorization: `Bearer ${fixtures.access}` } : {},
    connections: connectionCounts[drive.connections],
    duration,
    expectStatus: drive.status,
    once: drive.once
  }
  const { rate } = drive
  if (rate !== undefined) {
    return async () => {
      const capacity = latest.get(rate.of)?.rps
      if (capacity === undefined) throw new Error(`no run of "${rate.of}" yet to take a rate from`)
      return { ...spec, overallRate: Math.ceil(rate.times * capacity), shedStatus: 503 }
    }
  }
  if (bodyPerRequest !== undefined) {
    const requests = [{ method, path, setupRequest: (req: object) => ({ ...req, body: bodyPerRequest() }) }]
    return async () => ({ ...spec, requests })
  }
  if (drive.token === 'chained refresh') {
    const pool: string[] = []
    const requests = [{
      method,
      path,
      setupRequest: (req: { headers?: Record<string, unknown> }) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${pool.pop() ?? ''}` } }),
      onResponse: (status: number, body: string) => {
        if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token)
      }
    }]
    return async () => {
      // One at a time: a burst of logins beyond the service's hash capacity would get 503s.
      while (pool.length < spec.connections + 2) pool.push((await login(server.url, fixtures.email)).refresh)
      return { ...spec, requests }
    }
  }
  return async () => spec
}

// Sessions that ended 40 days ago (past the default 30-day retention), half revoked, half expired;
// they have no user, unlike the sessions that logins open.
const ENDED_DAYS_AGO = 40 * 86_400

async function fillEndedSessions ({ databaseUrl, dataDir }: SweepingService, count: number): Promise<void> {
  const handle = await connect({ databaseUrl, dataDir })
  try {
    await migrateToLatest(handle.db)
    await insertSessions(handle.db, Math.ceil(count / 2), { revoked: ENDED_DAYS_AGO })
    await insertSessions(handle.db, Math.floor(count / 2), { expired: ENDED_DAYS_AGO })
    // As a table that has been there a while: vacuumed, analysed and on disk, so the run measures
    // the sweep, not PostgreSQL catching up with the bulk insert.
    await sql`vacuum analyze sessions`.execute(handle.db)
    await sql`checkpoint`.execute(handle.db)
  } finally {
    await handle.close()
  }
}

async function endedSessionsLeft ({ databaseUrl, dataDir }: SweepingService): Promise<number> {
  const handle = await connect({ databaseUrl, dataDir })
  try {
    const row = await handle.db.selectFrom('sessions').where('user_uid', 'is', null)
      .select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow()
    return Number(row.count)
  } finally {
    await handle.close()
  }
}

// Once, on its first turn: fill the table, start the service (which begins sweeping at once),
// sign up, drive logins, stop it, and count what the sweep left.
function sweepStep (name: string, drive: SweepDrive, bench: Bench): Step {
  let ran = false
  return {
    run: async () => {
      if (ran) return
      ran = true
      const count = smoke ? Math.min(drive.endedSessions, 10_000) : drive.endedSessions
      if (count > 0) {
        await fillEndedSessions(bench.sweeping, count)
        progress(`${name}: ${count} ended sessions in the table`)
      }
      const child = await bench.sweeping.start()
      const startedAt = performance.now()
      try {
        const email = await signup(child.url)
        record(name, await runLoad({
          url: child.url,
          pid: child.pid,
          method: 'POST',
          path: '/api/v1/auth/login',
          body: loginBody(email),
          connections: connectionCounts[drive.connections],
          duration,
          expectStatus: 200
        }))
      } finally {
        await child.stop()
      }
      if (count === 0) return
      const seconds = (performance.now() - startedAt) / 1000
      const swept = count - await endedSessionsLeft(bench.sweeping)
      sweepNotes.push(`${name}: ${swept} of ${count} ended sessions swept in the ${fixed(seconds)} s the service ran (start, one signup, ${duration} s of logins)`)
    }
  }
}

function scenarioStep ({ name, drive }: Scenario, bench: Bench): Step {
  if (drive.kind === 'login while sweeping') return sweepStep(name, drive, bench)
  if (drive.kind === 'argon2') {
    const measure = async (seconds: number) => {
      const raw = await bench.rawArgon2.measure(drive.mode, connectionCounts[drive.connections], seconds)
      return summarise(raw.latencies, raw.seconds, { all: raw.cpuSeconds, main: Number.NaN })
    }
    return {
      warmUp: async () => latest.set(name, await measure(warmup)),
      run: async () => record(name, await measure(duration))
    }
  }
  if (drive.kind !== 'http') throw new Error(`${name} is not a load of its own`)
  const load = httpLoad(drive, bench)
  const pid = bench.servers[drive.server].pid
  const watcher = scenarios.find((s) => s.drive.kind === 'peak rss' && s.drive.during === name)
  return {
    warmUp: async () => warmUpProblems(name, await runLoad({ ...await load(), duration: warmup })),
    run: async () => {
      const watch = watcher === undefined ? undefined : { name: watcher.name, tracker: trackPeakRss(pid) }
      record(name, await runLoad({ ...await load(), duration }))
      if (watch !== undefined) {
        peakRss.set(watch.name, [...(peakRss.get(watch.name) ?? []), { before: watch.tracker.before, peak: watch.tracker.peak() }])
      }
    }
  }
}

// HTTP scenarios driven at the same time against one server: it serves them all.
function simultaneous (members: Scenario[], bench: Bench): Step {
  const loads = members.map(({ name, drive }) => {
    if (drive.kind !== 'http') throw new Error(`${name}: only HTTP scenarios run at the same time`)
    return { name, server: drive.server, load: httpLoad(drive, bench) }
  })
  const [first] = loads
  if (first === undefined || loads.some((l) => l.server !== first.server)) throw new Error('scenarios run at the same time share one server')
  const pid = bench.servers[first.server].pid
  const once = async (seconds: number, use: (name: string, m: Measurement) => void) => {
    const cpuBefore = cpuSeconds(pid)
    const measured = await Promise.all(loads.map(async ({ name, load }) => ({ name, m: await runLoad({ ...await load(), duration: seconds }) })))
    // One process served them all: share its CPU time over all their responses.
    const cpu = cpuSince(pid, cpuBefore)
    const responses = measured.reduce((n, { m }) => n + m.responses, 0)
    for (const { name, m } of measured) use(name, { ...m, cpuMs: (cpu.all * 1000) / responses, mainCpuMs: (cpu.main * 1000) / responses })
  }
  return {
    warmUp: () => once(warmup, warmUpProblems),
    run: () => once(duration, record)
  }
}

// BENCH_ONLY: a comma list of parts of scenario names; only those scenarios run (with their baselines).
const only = (process.env.BENCH_ONLY ?? '').split(',').map((part) => part.trim()).filter(Boolean)
const chosen = (name: string) => only.length === 0 || only.some((part) => name.includes(part))

// The table's order, but a baseline runs with the scenario compared with it: alternately for a
// throughput target, at the same time for a p50 spread.
function schedule (): Array<{ together: boolean, members: Scenario[] }> {
  const pairing = ({ target }: Scenario) => target?.kind === 'throughput' || target?.kind === 'p50 spread' || target?.kind === 'overload' ? target : undefined
  const baselines = scenarios.flatMap((s) => [pairing(s)?.against ?? [], s.alsoAgainst ?? []].flat())
  return scenarios.filter((s) => s.drive.kind !== 'peak rss' && !baselines.includes(s.name) && chosen(s.name)).map((s) => {
    const target = pairing(s)
    const context = s.alsoAgainst === undefined ? [] : [scenarioNamed(s.alsoAgainst)]
    return target === undefined
      ? { together: false, members: [...context, s] }
      : { together: target.kind === 'p50 spread', members: [scenarioNamed(target.against), ...context, s] }
  })
}

async function freshDatabase (adminUrl: string): Promise<string> {
  const { url, drop } = await createScratchDatabase(adminUrl, 'bookly_bench')
  cleanups.push(drop)
  return url
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
  // The EdDSA service: a database and a working directory of its own.
  const eddsaDir = join(tmp, 'eddsa')
  mkdirSync(eddsaDir)
  const eddsaDataDir = join(eddsaDir, 'data')
  // The sweep scenario's service: the same, on a database of its own.
  const sweepDir = join(tmp, 'sweep')
  mkdirSync(sweepDir)
  const sweepDataDir = join(sweepDir, 'data')
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
    LOGIN_FAILURES_PER_ACCOUNT: String(1e9),
    MAIL_REQUESTS_PER_ADDRESS: String(1e9),
    MAIL_REQUESTS_PER_IP: String(1e9)
  }
  // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS): the service's only.
  const serviceArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)

  // The raw argon2 child runs from source: it starts while the build runs. Each child is recorded as
  // soon as it runs, so a failed build still stops it.
  const [databaseUrl, eddsaDatabaseUrl, sweepDatabaseUrl, rawArgon2] = await Promise.all([
    adminUrl === '' ? '' : freshDatabase(adminUrl),
    adminUrl === '' ? '' : freshDatabase(adminUrl),
    adminUrl === '' ? '' : freshDatabase(adminUrl),
    // Raw hashing on as many threads as the service hashes with.
    startRawArgon2({ ...childEnv, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? String(hashThreads) }, tmp).then((raw) => {
      cleanups.push(async () => raw.stop())
      return raw
    }),
    adminUrl === '' ? initDataDir(dataDir) : undefined,
    adminUrl === '' ? initDataDir(eddsaDataDir) : undefined,
    build()
  ])
  progress('built')
  // As `npm start` runs it: the preload sizes libuv's pool and settles nextTick before anything loads.
  const preload = ['--require', join(repoRoot, 'dist/preload.cjs')]
  const args = [...serviceArgs, ...preload, join(repoRoot, 'dist/server.js')]
  // The baselines run from source, with the service's preload: without it, V8 leaves their
  // nextTick slow (bench/README.md), and the ratio would credit the service with that.
  const baselineArgs = [...preload, ...nodeArgsFor(join(repoRoot, 'bench/baseline-server.ts'))]
  baseline = await startServer({ name: 'baseline server', args: baselineArgs, env: childEnv, cwd: tmp, readyPath: '/' })
  bareBaseline = await startServer({ name: 'bare baseline server', args: [...baselineArgs, '--no-logger'], env: childEnv, cwd: tmp, readyPath: '/' })
  service = await startServer({ name: 'service', args, env: { ...serviceEnv, DATABASE_URL: databaseUrl }, cwd: tmp, readyPath: '/health' })
  eddsaService = await startServer({
    name: 'EdDSA service',
    args,
    env: { ...serviceEnv, JWT_ALGORITHM: 'EdDSA', DATABASE_URL: eddsaDatabaseUrl, DATA_DIR: eddsaDataDir },
    cwd: eddsaDir,
    readyPath: '/health'
  })
  progress('services, baseline servers and raw argon2 child started')
  const account = async (child: Child): Promise<Fixtures> => {
    const email = await signup(child.url)
    return { email, access: (await login(child.url, email)).access }
  }
  const fixtures = { service: await account(service), 'service (EdDSA)': await account(eddsaService) }
  const { access } = fixtures.service
  const sweeping: SweepingService = {
    databaseUrl: sweepDatabaseUrl,
    dataDir: sweepDataDir,
    // Sweeps start half a second after the service does, and run again as soon as one is done.
    start: () => startServer({
      name: 'sweeping service',
      args,
      env: { ...serviceEnv, DATABASE_URL: sweepDatabaseUrl, DATA_DIR: sweepDataDir, RETENTION_SWEEP_INTERVAL: '0.5' },
      cwd: sweepDir,
      readyPath: '/health'
    })
  }
  const bench: Bench = { servers: { service, 'service (EdDSA)': eddsaService, baseline, 'baseline (no logger)': bareBaseline }, sweeping, rawArgon2, fixtures }
  const unavailable = new Set<string>()

  for (const { together, members } of schedule()) {
    const available = []
    for (const scenario of members) {
      const books = scenario.drive.kind === 'http' ? scenario.drive.books : undefined
      if (books === undefined || await createBooks(service.url, access, books)) available.push(scenario)
      else unavailable.add(scenario.name)
    }
    if (available.length > 0) await group(together ? [simultaneous(available, bench)] : available.map((s) => scenarioStep(s, bench)))
  }

  const seconds = (performance.now() - started) / 1000
  const database = adminUrl === '' ? 'embedded PGlite' : 'PostgreSQL'
  const rows = resultRows({ runs, pairs, peakRss, unavailable, connections: connectionCounts, judged: !smoke, hashThreads, hashMaxWaitMs })
  const cpu = cpus()
  const meta = [
    `Node ${process.version}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length} cores, ${database}`,
    `${duration} s per run after a ${warmup} s warm-up, median of ${repeat} run(s); total ${fixed(seconds)} s`,
    `service: node --require dist/preload.cjs dist/server.js, NODE_ENV=production, LOG_LEVEL=warn, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'HASH_CONCURRENCY (preload)'}, HASH_CONCURRENCY ${hashThreads}, HASH_MAX_WAIT_MS ${hashMaxWaitMs}`,
    `raw argon2: UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? hashThreads}, as many threads as the service hashes with`,
    'service (EdDSA): the same, with JWT_ALGORITHM=EdDSA on a database of its own',
    ...sweepNotes
  ]
  console.log(`\n${textTable(rows)}\n\n${meta.join('\n')}`)
  if (seconds > 420) console.log('warning: the suite took longer than its 7-minute budget')
  if (problems.length > 0) console.log(`\nerrors:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  // A partial run (BENCH_ONLY) leaves the full run's figures alone.
  if (!smoke && only.length === 0) writeFileSync(join(repoRoot, 'bench/RESULTS.md'), resultsMarkdown({ rows, meta, runs, repeat, problems }))
}

try {
  await main()
} catch (err) {
  problems.push(`crashed: ${(err as Error).message}`)
  console.error(`bench failed: ${(err as Error).message}`)
} finally {
  await service?.stop()
  await eddsaService?.stop()
  await baseline?.stop()
  await bareBaseline?.stop()
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => console.error(`cleanup: ${err.message}`))
}
process.exitCode = problems.length > 0 ? 1 : 0
