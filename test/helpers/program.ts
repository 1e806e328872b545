// Bookly's programs (the server, the commands) as separate processes, started from source through
// tsx as an operator's `npm start` / `npm run …` would run them from dist/.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

// Node's flags that run a TypeScript entry point. tsx's CommonJS hook is required first: tap
// prepends its own --import to a child's NODE_OPTIONS, and on Node 24 that import's require hook,
// registered before tsx's, would load a .cts file (the preload) untranslated.
export const tsxFlags = ['--require', fileURLToPath(import.meta.resolve('tsx/cjs')), '--import', import.meta.resolve('tsx')]

export interface Program {
  pid: number
  exited: Promise<number | null>
  stdout: () => string
  stderr: () => string
  // Resolves with the first match of `pattern` on stdout; rejects if the process exits first.
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>
  kill: (signal: NodeJS.Signals) => void
}

// `file` is relative to the repository (server.ts, cli/migrate.ts); `env` is all the environment it gets.
export function startProgram (file: string, args: string[], opts: { cwd: string, env: Record<string, string>, stdin?: string }): Program {
  const child = spawn(process.execPath, [...tsxFlags, `${root}${file}`, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...opts.env }
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += String(chunk) })
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  child.stdin.end(opts.stdin ?? '')
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    pid: child.pid ?? 0,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout)
        if (match) resolve(match)
      }
      child.stdout.on('data', check)
      check()
      exited.then((code) => reject(new Error(`${file} exited with ${code}: ${stderr}`)), reject)
    }),
    kill: (signal) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal) }
  }
}
