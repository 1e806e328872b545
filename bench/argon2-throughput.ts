// Child of the bench, kept running for the whole suite: raw argon2 loops at the service's parameters.
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import argon2 from 'argon2'
import { HASH_OPTIONS } from '../plugins/app/passwords/passwords.js'

const password = 'correct horse battery staple'
const stored = await argon2.hash(password, HASH_OPTIONS)
// Warm-up, once: the threadpool's threads and their memory are in place before the first run.
await Promise.all(Array.from({ length: 8 }, () => argon2.verify(stored, password)))

async function measure (mode: string, concurrency: number, durationMs: number) {
  const once = mode === 'hash'
    ? async () => { await argon2.hash(randomBytes(16).toString('hex'), HASH_OPTIONS) }
    : async () => { await argon2.verify(stored, password) }
  const latencies: number[] = []
  const cpu = process.cpuUsage()
  const start = performance.now()
  const end = start + durationMs
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      await once()
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  const { user, system } = process.cpuUsage(cpu)
  return { ops: latencies.length, seconds: (performance.now() - start) / 1000, cpuSeconds: (user + system) / 1e6, latencies }
}

// Each stdin line "MODE CONCURRENCY DURATION" runs CONCURRENCY hash or verify loops for DURATION
// seconds and is answered with one JSON line {ops, seconds, cpuSeconds, latencies}.
process.stdout.write('ready\n')
for await (const line of createInterface({ input: process.stdin })) {
  const [mode = 'verify', concurrency = '4', duration = '10'] = line.trim().split(/\s+/)
  process.stdout.write(JSON.stringify(await measure(mode, Number(concurrency), Number(duration) * 1000)) + '\n')
}
