// argon2id hashing at OWASP parameters, admitted through the hash gate, and the decoy verification
// that makes unknown e-mails cost the same.
import fp from 'fastify-plugin'
import type { onRequestHookHandler } from 'fastify'
import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import { AppError } from '../http/errors.js'
import { createHashGate, type CallerSocket, type HashGate, type HashLimits } from './hash-gate.js'

export const SALT_BYTES = 16

export const HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1
} as const

export interface Passwords {
  hash (password: string, socket?: CallerSocket): Promise<string>
  // Returns whether the password matches; a missing hash is checked against a decoy so timing says nothing.
  verify (hash: string | undefined, password: string, socket?: CallerSocket): Promise<boolean>
  needsRehash (hash: string): boolean
  // onRequest hook of every route that hashes: 503 `overloaded` before the body is read or the
  // database asked, while a hash arriving now would wait longer than the budget.
  refuseIfBusy: onRequestHookHandler
}

declare module 'fastify' {
  interface FastifyInstance {
    passwords: Passwords
  }
}

// What metrics see of the gate: a hash joins the line, gets its slot after waitMs, or is refused
// (or its client left) before it got one.
export interface HashObserver {
  queued (): void
  started (waitMs: number): void
  refused (): void
}

type GateRun = HashGate['run']

function observed (run: GateRun, observer?: HashObserver): GateRun {
  if (observer === undefined) return run
  return async (work, socket) => {
    const queuedAt = performance.now()
    let started = false
    observer.queued()
    try {
      return await run(() => {
        started = true
        observer.started(performance.now() - queuedAt)
        return work()
      }, socket)
    } finally {
      if (!started) observer.refused()
    }
  }
}

// argon2 writes m,p,t; the PHC reference order is m,t,p, which every other argon2 library parses.
function canonical (hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$')
}

export async function createPasswords (limits: HashLimits, observer?: HashObserver): Promise<Passwords> {
  const gate = createHashGate(limits)
  const run = observed(gate.run, observer)
  // The salt is drawn here, synchronously (16 bytes, as argon2 would): argon2's own draw is a job
  // on libuv's pool, queued among the hashes, and the hash waits for the main thread to pick it up.
  const hash = async (password: string, socket?: CallerSocket) =>
    canonical(await run(() => argon2.hash(password, { ...HASH_OPTIONS, salt: randomBytes(SALT_BYTES) }), socket))
  // Made up front so the first unknown e-mail does not also pay for a hash.
  const decoy = await hash(randomBytes(16).toString('hex'))
  return {
    hash,
    async verify (stored, password, socket) {
      try {
        const ok = await run(() => argon2.verify(stored ?? decoy, password), socket)
        return ok && stored !== undefined
      } catch (err) {
        if (err instanceof AppError) throw err
        // A malformed stored hash is a failed login, not a crash.
        return false
      }
    },
    needsRehash (stored) {
      return argon2.needsRehash(stored, HASH_OPTIONS)
    },
    refuseIfBusy (_request, _reply, done) {
      gate.refuseIfBusy()
      done()
    }
  }
}

export default fp(async function passwords (fastify) {
  const { HASH_CONCURRENCY, HASH_MAX_WAIT_MS } = fastify.config
  const passwords = await createPasswords({ concurrency: HASH_CONCURRENCY, maxWaitMs: HASH_MAX_WAIT_MS }, fastify.appMetrics.hashObserver)
  fastify.decorate('passwords', passwords)
}, { name: 'passwords', dependencies: ['env', 'app-metrics'] })
