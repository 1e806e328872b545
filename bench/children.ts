// Child processes of a bench run: the services, the bare baseline servers and the raw argon2 loops.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../test/helpers/free-port.js'

export const repoRoot = join(import.meta.dirname, '..')
// Children that are TypeScript run through tsx, resolved from here because their cwd is a temp dir.
const tsxLoader = import.meta.resolve('tsx')

export interface Child {
  name: string
  pid: number
  url: string
  // Set when the process has exited, with how it ended.
  exited: () => string | undefined
  stop: () => Promise<void>
}

// Keeps the last lines a child wrote, to explain a crash.
function tail (child: ChildProcess): () => string {
  let text = ''
  const keep = (chunk: Buffer) => { text = (text + chunk.toString()).slice(-4000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return () => text
}

export interface StartOptions {
  name: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd: string
  // Answers 2xx once the server can take load.
  readyPath: string
}

export async function startServer (opts: StartOptions): Promise<Child> {
  const port = await freePort()
  const child = spawn(process.execPath, opts.args, {
    cwd: opts.cwd,
    env: { ...opts.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const output = tail(child)
  // Should the bench itself die (an uncaught error, a closed stdout pipe), the server goes too.
  const orphanGuard = () => child.kill('SIGKILL')
  process.once('exit', orphanGuard)
  let exit: string | undefined
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exit = `${opts.name} exited (${signal ?? `code ${code}`}): ${output().trim()}`
    process.off('exit', orphanGuard)
    resolve()
  }))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (exit !== undefined) throw new Error(exit)
    if (Date.now() > deadline) throw new Error(`${opts.name} did not answer ${opts.readyPath} within 60 s: ${output()}`)
    const ok = await fetch(url + opts.readyPath).then((res) => res.ok, () => false)
    if (ok) break
    await sleep(100)
  }
  return {
    name: opts.name,
    pid: child.pid ?? 0,
    url,
    exited: () => exit,
    async stop () {
      if (exit !== undefined) return
      child.kill('SIGTERM')
      // Graceful close lets --cpu-prof write its profile.
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(killer)
    }
  }
}

export function nodeArgsFor (script: string): string[] {
  return script.endsWith('.ts') ? ['--import', tsxLoader, script] : [script]
}

// Peak resident memory of a process over an interval: the kernel's high-water mark, reset at the
// start, or (where the reset is not allowed) the highest of samples taken every 50 ms.
export function trackPeakRss (pid: number): { before: number, peak: () => number } {
  const status = () => readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status())?.[1] ?? 0)
  const before = kib('VmRSS') * 1024
  let reset = true
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    reset = false
  }
  let sampled = kib('VmRSS')
  const timer = setInterval(() => { sampled = Math.max(sampled, kib('VmRSS')) }, 50)
  return {
    before,
    peak: () => {
      clearInterval(timer)
      return (reset ? kib('VmHWM') : Math.max(sampled, kib('VmRSS'))) * 1024
    }
  }
}

// CPU seconds (user + system) a process has used so far: all its threads, and its main thread
// alone (the event loop: HTTP, JSON, tokens, the database driver and embedded PGlite). libuv's pool
// threads, where argon2 runs, and V8's helper threads are in `all` only.
export interface CpuTimes {
  all: number
  main: number
}

// utime and stime of a /proc stat line: fields 14 and 15, counted after the command name, which may hold spaces.
function statCpuSeconds (path: string): number {
  const stat = readFileSync(path, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export function cpuSeconds (pid: number): CpuTimes {
  // A process's main thread is the task whose id is the process id.
  return { all: statCpuSeconds(`/proc/${pid}/stat`), main: statCpuSeconds(`/proc/${pid}/task/${pid}/stat`) }
}

export const cpuSince = (pid: number, before: CpuTimes): CpuTimes => {
  const now = cpuSeconds(pid)
  return { all: now.all - before.all, main: now.main - before.main }
}

export interface Argon2Throughput {
  ops: number
  seconds: number
  cpuSeconds: number
  latencies: number[]
}

export interface RawArgon2 {
  // `concurrency` loops of raw argon2 at the service's parameters for `duration` seconds.
  measure: (mode: 'hash' | 'verify', concurrency: number, duration: number) => Promise<Argon2Throughput>
  stop: () => void
}

// One child process for every raw argon2 measurement, started once so its start-up is not paid per
// repetition. Its libuv pool has the size `env` gives it: run.ts gives it as many threads as the
// service hashes with (HASH_CONCURRENCY), since a larger pool on the same cores hashes slower.
export async function startRawArgon2 (env: NodeJS.ProcessEnv, cwd: string): Promise<RawArgon2> {
  const child = spawn(process.execPath, nodeArgsFor(join(repoRoot, 'bench/argon2-throughput.ts')), {
    cwd, env, stdio: ['pipe', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => {
    const line = await lines.next()
    if (line.done === true) throw new Error(`raw argon2 child exited: ${stderr.trim()}`)
    return line.value
  }
  if (await next() !== 'ready') throw new Error('raw argon2 child did not start')
  return {
    async measure (mode, concurrency, duration) {
      child.stdin.write(`${mode} ${concurrency} ${duration}\n`)
      return JSON.parse(await next()) as Argon2Throughput
    },
    stop: () => { child.stdin.end() }
  }
}
