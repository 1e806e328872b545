// Preloaded with `node --require` (see package.json and the Dockerfile): libuv sizes its thread pool
// at first use, and Node's ESM loader uses it before src/server.ts runs, so setting it there is too late.
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
