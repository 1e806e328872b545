// Process set-up that must happen before Node's ESM loader starts: `node --require` runs it first
// (package.json, the Dockerfile), and server.ts and the CLIs import it too, so a start without
// the flag still reads .env (only the thread pool's size then comes too late).
import { availableParallelism } from 'node:os'
import { loadEnvFile } from './config/env-file.cjs'

// 1. .env, read once, into process.env: the configuration loader reads only the environment.
export const envFile = loadEnvFile()

// 2. The libuv thread pool. libuv sizes it at first use, and the ESM loader is its first user.
// argon2 hashes on that pool, at most HASH_CONCURRENCY at once (the hash gate), so that is its size:
// every thread that has hashed keeps argon2's memory block in its own malloc arena, and spare
// threads would only add memory. fs and dns work waits at most one hash for a thread.
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const hashes = Number(process.env.HASH_CONCURRENCY) || availableParallelism()
  process.env.UV_THREADPOOL_SIZE = String(hashes)
}

// 3. process.nextTick's queue entries. V8 (Node 20) records their shape the first few times they are
// made. Recorded while the ESM loader and the plugins are busy, the record ends up megamorphic (or
// so unsettled that nextTick is never optimised), and every tick, several per request, then builds
// its entry in V8's runtime (bench/README.md). A chain of ticks run first, at the first drain of
// the tick queue, settles it.
const SETTLING_TICKS = 3000
let ticks = 0
const tick = (): void => {
  if (++ticks < SETTLING_TICKS) process.nextTick(tick)
}
process.nextTick(tick)
