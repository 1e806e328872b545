// Preloaded with `node --require` (see package.json and the Dockerfile): process set-up that must
// happen before Node's ESM loader starts, which is before src/server.ts runs.
//
// 1. The libuv thread pool. libuv sizes it at first use, and the ESM loader is its first user.
// argon2 hashes on that pool, at most HASH_CONCURRENCY at once (the hash gate), so that is its size:
// every thread that has hashed keeps argon2's 19 MiB block in its own malloc arena, and spare
// threads would only add memory. fs and dns work waits at most one hash (~25 ms) for a thread.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { parseEnv } from 'node:util'

function fromEnvFile (name: string): string | undefined {
  try {
    return parseEnv(readFileSync('.env', 'utf8'))[name]
  } catch {
    return undefined
  }
}

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const hashes = Number(process.env.HASH_CONCURRENCY ?? fromEnvFile('HASH_CONCURRENCY')) || availableParallelism()
  process.env.UV_THREADPOOL_SIZE = String(hashes)
}

// 2. process.nextTick's queue entries. V8 (Node 20) records their shape the first few times they are
// made. Recorded while the ESM loader and the plugins are busy, the record ends up megamorphic (or
// so unsettled that nextTick is never optimised), and every tick, several per request, then builds
// its entry in V8's runtime: 27 runtime calls and a fifth of the instructions of GET /auth/verify
// (callgrind). A chain of ticks run first, at the first drain of the tick queue, settles it.
const SETTLING_TICKS = 3000
let ticks = 0
const tick = (): void => {
  if (++ticks < SETTLING_TICKS) process.nextTick(tick)
}
process.nextTick(tick)
