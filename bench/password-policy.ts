// Main-thread time of one password-policy check (the zxcvbn score; no breach check) for ordinary
// passwords and for 128-character inputs made to keep zxcvbn busy: npx tsx bench/password-policy.ts
// Wall time, and the process's CPU time (the check is synchronous, so on a machine shared with
// other work this is the steadier figure).
import { loadavg } from 'node:os'
import { createPasswordPolicy } from '../plugins/app/passwords/password-policy.js'
import { ConfigSchema } from '../config/schema.js'

const RUNS = 20
const LENGTH = 128

const fill = (pattern: string) => pattern.repeat(Math.ceil(LENGTH / pattern.length)).slice(0, LENGTH)

const ordinary: Record<string, string> = {
  'four words': 'correct horse battery staple',
  'five words': 'tawny quiver ledger oboe mantis',
  'l33t word': 'Tr0ub4dor&3',
  'common + digits': 'password123',
  'random 12': 'kx8#Qz!mW2vL',
  'own name + year': 'lovelace1815'
}

// Each one feeds a costly part of zxcvbn: l33t readings (every one matched against every
// dictionary again), dates and digits, keyboard rows, the account's own words, many short matches.
const adversarial: Record<string, string> = {
  'l33t symbols': fill('4@1!3$0|7+'),
  'l33t word': fill('p4$$w0rd'),
  'multi-character l33t': fill('|_||)|<|-|^^/\\/\\'),
  'ambiguous l33t': fill('1|!'),
  digits: fill('19701231'),
  dates: fill('1.1.1 '),
  'keyboard rows': fill('qwertyuiop'),
  'own e-mail': fill('ada.lovelace@example.com'),
  'short words': fill('anatheof'),
  'printable sweep': Array.from({ length: LENGTH }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 94))).join('')
}

const context = { email: 'ada.lovelace@example.com', username: 'ada', first_name: 'Ada', last_name: 'Lovelace' }
const policy = await createPasswordPolicy({
  PASSWORD_MIN_SCORE: ConfigSchema.properties.PASSWORD_MIN_SCORE.default,
  PASSWORD_BREACH_URL: '',
  PASSWORD_BREACH_TIMEOUT: 1
}, () => {})

async function timeOnce (password: string): Promise<{ wall: number, cpu: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  // A refusal is a thrown 422: part of the work measured.
  await policy.check(password, context, 'password').catch(() => {})
  const wall = performance.now() - started
  const { user, system } = process.cpuUsage(cpu)
  return { wall, cpu: (user + system) / 1000 }
}

const ms = (value: number | undefined) => `${(value ?? 0).toFixed(1).padStart(6)} ms`

function summary (times: number[]): string {
  times.sort((a, b) => a - b)
  return `median ${ms(times[Math.floor(times.length / 2)])}, max ${ms(times.at(-1))}`
}

async function measure (passwords: Record<string, string>) {
  for (const [name, password] of Object.entries(passwords)) {
    const wall: number[] = []
    const cpu: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const once = await timeOnce(password)
      wall.push(once.wall)
      cpu.push(once.cpu)
    }
    console.log(`  ${name.padEnd(21)} ${String(password.length).padStart(3)} chars  wall ${summary(wall)}  cpu ${summary(cpu)}`)
  }
}

// Warm-up, so the figures are of optimised code, as in a server that has run a while.
for (const password of [...Object.values(ordinary), ...Object.values(adversarial)]) await timeOnce(password)

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${RUNS} runs each`)
console.log('ordinary')
await measure(ordinary)
console.log(`adversarial, ${LENGTH} characters`)
await measure(adversarial)
