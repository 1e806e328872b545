// The keys this instance signs and verifies with, held in memory so a token costs no database
// round trip. Under HMAC: JWT_SECRET signs, it and JWT_PREVIOUS_SECRETS verify. With key pairs:
// the database's keys, reloaded whenever the `signing_keys_changed` NOTIFY says the set changed
// (any instance or command), after every listener reconnect, and when a transition falls due.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { JwtAlgorithm } from '../../../config/schema.js'
import type { PublicJwk, SigningKey } from '../../../db/types.js'
import type { Jwk } from '../../../schemas/keys.js'
import { unseal } from './sealing.js'
import { advanceKeys, ensureCurrentKey, keySettings, previousSecrets, type KeySettings } from './key-lifecycle.js'
import { publicKeyPem } from './key-material.js'
import { createKeysRepository, PUBLISHED_STATES } from './keys-repository.js'

const KEYS_CHANNEL = 'signing_keys_changed'
// setTimeout's longest delay; a later transition is looked at again then.
const MAX_TIMER_MS = 2 ** 31 - 1

export interface VerificationKey {
  // Undefined for an HMAC secret: Bookly's HMAC tokens carry no kid.
  kid: string | undefined
  alg: JwtAlgorithm
  // The HMAC secret, or the public key as SPKI PEM.
  key: string
}

export interface SigningMaterial {
  kid: string | undefined
  alg: JwtAlgorithm
  // The HMAC secret, or the private key as PKCS#8 PEM.
  key: string
}

export interface KeyStore {
  // The key that signs now.
  signing (): SigningMaterial
  // The keys that may have signed a token whose header names `kid` (undefined: no kid); undefined when none.
  verifying (kid: string | undefined): readonly VerificationKey[] | undefined
  // The public keys of the next, current and previous key pairs.
  published (): Jwk[]
  // Called when a key stops verifying (retired, revoked), so caches of verified tokens let go of its tokens.
  onWithdrawn (listener: () => void): void
}

declare module 'fastify' {
  interface FastifyInstance {
    keyStore: KeyStore
  }
}

function hmacStore (fastify: FastifyInstance): KeyStore {
  const { JWT_SECRET, JWT_ALGORITHM } = fastify.config
  const signing = { kid: undefined, alg: JWT_ALGORITHM, key: JWT_SECRET }
  const secrets = [JWT_SECRET, ...previousSecrets(fastify.config)].map((key) => ({ kid: undefined, alg: JWT_ALGORITHM, key }))
  return {
    signing: () => signing,
    verifying: (kid) => kid === undefined ? secrets : undefined,
    published: () => [],
    onWithdrawn: () => {}
  }
}

const publicJwk = (row: SigningKey): PublicJwk => JSON.parse(row.public_jwk) as PublicJwk

async function keyPairStore (fastify: FastifyInstance, settings: KeySettings): Promise<KeyStore> {
  const { db, log } = fastify
  const repository = createKeysRepository(db)
  let verification = new Map<string, VerificationKey[]>()
  let jwks: Jwk[] = []
  let signing: SigningMaterial | undefined
  const withdrawnListeners: Array<() => void> = []
  const warnedAlgorithm = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const openSigningKey = (current: SigningKey): void => {
    if (current.kid === signing?.kid) return
    const key = unseal(settings.openingKeys, current.kid, current.private_key)
    if (key !== undefined) {
      signing = { kid: current.kid, alg: current.alg, key }
      return
    }
    const problem = `cannot open the private key of signing key ${current.kid}: it was sealed under another JWT_SECRET ` +
      '(list that secret in JWT_PREVIOUS_SECRETS)'
    // At start that stops the server; later the key that signed so far keeps signing.
    if (signing === undefined) throw new Error(problem)
    log.error({ kid: current.kid }, problem)
  }

  const schedule = (seconds: number | undefined): void => {
    clearTimeout(timer)
    if (seconds === undefined || closed) return
    timer = setTimeout(() => {
      advanceKeys(db, settings).then(reload).catch((err: Error) => log.error({ err }, 'advancing the signing keys failed'))
    }, Math.min(Math.max(0, seconds) * 1000 + 50, MAX_TIMER_MS))
    timer.unref()
  }

  const load = async (): Promise<void> => {
    const rows = await repository.list()
    const live = rows.filter((row) => PUBLISHED_STATES.includes(row.state))
    // Unchanged keys keep their objects, so verifiers built for them stay in use.
    const next = new Map(live.map((row) => [row.kid, verification.get(row.kid) ?? [{ kid: row.kid, alg: row.alg, key: publicKeyPem(publicJwk(row)) }]]))
    const withdrawn = [...verification.keys()].some((kid) => !next.has(kid))
    const current = rows.find((row) => row.state === 'current')
    if (current !== undefined) openSigningKey(current)
    verification = next
    jwks = live.map((row) => ({ ...publicJwk(row), kid: row.kid, alg: row.alg, use: 'sig' }))
    if (current !== undefined && current.alg !== settings.alg && !warnedAlgorithm.has(current.kid)) {
      warnedAlgorithm.add(current.kid)
      log.warn({ kid: current.kid, alg: current.alg }, `the current signing key is ${current.alg}, JWT_ALGORITHM is ${settings.alg ?? ''}: ` +
        'npm run keys:rotate makes a key of the configured algorithm')
    }
    if (withdrawn) for (const listener of withdrawnListeners) listener()
    schedule(await repository.secondsToNextTransition(settings.retention))
    log.debug({ keys: live.length, current: current?.kid }, 'signing keys loaded')
  }

  // One load at a time, and at most one more waiting: announcements that come while one waits share it.
  let chain: Promise<void> = Promise.resolve()
  let waiting: Promise<void> | undefined
  const reload = (): Promise<void> => {
    if (waiting !== undefined) return waiting
    const run = chain.then(async () => {
      waiting = undefined
      if (!closed) await load()
    })
    waiting = run
    chain = run.catch(() => {})
    return run
  }

  await ensureCurrentKey(db, settings)
  const unlisten = await fastify.notifications.listen(KEYS_CHANNEL, () => {
    reload().catch((err: Error) => log.error({ err }, 'reloading the signing keys failed'))
  }, reload)

  fastify.addHook('onClose', async () => {
    closed = true
    clearTimeout(timer)
    await unlisten()
    await chain
  })

  return {
    signing: () => {
      if (signing === undefined) throw new Error('no signing key')
      return signing
    },
    verifying: (kid) => kid === undefined ? undefined : verification.get(kid),
    published: () => jwks,
    onWithdrawn: (listener) => { withdrawnListeners.push(listener) }
  }
}

export default fp(async function keyStore (fastify) {
  const settings = keySettings(fastify.config)
  fastify.decorate('keyStore', settings.alg === undefined ? hmacStore(fastify) : await keyPairStore(fastify, settings))
}, { name: 'key-store', dependencies: ['env', 'db'] })
