// The life of the signing keys, as plain functions over the database: the server's key store and
// the keys:* commands both change the key set through these, under the key-set lock.
import type { Kysely } from 'kysely'
import { isKeyPairAlgorithm, type Config, type KeyPairAlgorithm } from '../../../config/schema.js'
import type { Database, KeyState, SigningKey } from '../../../db/types.js'
import { createSessionsRepository } from '../sessions/sessions-repository.js'
import { seal, sealingKey, sealingKeys } from './sealing.js'
import { newKeyPair } from './key-material.js'
import { withKeyLock, type KeysRepository } from './keys-repository.js'

// Allowance for clocks of instances and database that differ a little.
const SKEW_SECONDS = 60

export interface KeySettings {
  // The algorithm of new keys; undefined when JWT_ALGORITHM is an HMAC one (no keys in the database).
  alg: KeyPairAlgorithm | undefined
  // Seals new private keys (from JWT_SECRET).
  sealingKey: Buffer
  // Open stored private keys: JWT_SECRET's first, then each of JWT_PREVIOUS_SECRETS'.
  openingKeys: Buffer[]
  // Seconds a rotated-in key is published before it signs.
  publishDelay: number
  // Seconds a previous key keeps verifying: by then every token it signed has expired.
  retention: number
}

export const previousSecrets = (config: Pick<Config, 'JWT_PREVIOUS_SECRETS'>): string[] =>
  config.JWT_PREVIOUS_SECRETS === '' ? [] : config.JWT_PREVIOUS_SECRETS.split(',')

export function keySettings (config: Config): KeySettings {
  const current = sealingKey(config.JWT_SECRET, 'signing-key')
  return {
    alg: isKeyPairAlgorithm(config.JWT_ALGORITHM) ? config.JWT_ALGORITHM : undefined,
    sealingKey: current,
    openingKeys: [current, ...sealingKeys(previousSecrets(config), 'signing-key')],
    publishDelay: config.KEY_PUBLISH_DELAY,
    retention: Math.max(config.ACCESS_TOKEN_TTL, config.REFRESH_TOKEN_TTL) + SKEW_SECONDS
  }
}

function requireAlgorithm (settings: KeySettings): KeyPairAlgorithm {
  if (settings.alg === undefined) {
    throw new Error('JWT_ALGORITHM is an HMAC algorithm, which signs with JWT_SECRET and keeps no keys: ' +
      'set JWT_ALGORITHM=EdDSA or ES256 to use key pairs, or change JWT_SECRET and list the old one in JWT_PREVIOUS_SECRETS')
  }
  return settings.alg
}

async function addKey (keys: KeysRepository, settings: KeySettings, state: KeyState, activatesIn?: number): Promise<string> {
  const pair = newKeyPair(requireAlgorithm(settings))
  await keys.insert({
    kid: pair.kid,
    alg: pair.alg,
    public_jwk: JSON.stringify(pair.publicJwk),
    private_key: seal(settings.sealingKey, pair.kid, pair.privateKey),
    state
  }, activatesIn)
  return pair.kid
}

// The transitions whose time has come: a due next key signs, previous keys past retention retire.
async function advance (keys: KeysRepository, settings: KeySettings): Promise<void> {
  if (await keys.nextIsDue()) await keys.promoteNext()
  await keys.retireExpired(settings.retention)
}

export function advanceKeys (db: Kysely<Database>, settings: KeySettings): Promise<void> {
  return withKeyLock(db, (keys) => advance(keys, settings))
}

// On start with key pairs: due transitions, and a first key when none signs yet (a fresh install).
export function ensureCurrentKey (db: Kysely<Database>, settings: KeySettings): Promise<void> {
  return withKeyLock(db, async (keys) => {
    await advance(keys, settings)
    const all = await keys.list()
    if (all.some((key) => key.state === 'current')) return
    if (all.some((key) => key.state === 'next')) await keys.promoteNext()
    else await addKey(keys, settings, 'current')
  })
}

export interface Rotation {
  kid: string
  // When the new key signs (or started to).
  signsFrom: Date
  // The key it takes over from, which keeps verifying until its tokens have expired.
  previous?: string
}

// keys:rotate: a next key, published at once, signing after the publish delay or (`now`) at once.
// A next key that already waits is made current by `now`, and refused otherwise.
export function rotateKeys (db: Kysely<Database>, settings: KeySettings, { now }: { now: boolean }): Promise<Rotation> {
  requireAlgorithm(settings)
  return withKeyLock(db, async (keys) => {
    await advance(keys, settings)
    const all = await keys.list()
    const waiting = all.find((key) => key.state === 'next')
    if (waiting !== undefined && !now) {
      throw new Error(`key ${waiting.kid} already waits to sign from ${waiting.activates_at?.toISOString() ?? 'now'}; ` +
        'run keys:rotate --now to make it sign at once')
    }
    const current = all.find((key) => key.state === 'current')
    const kid = waiting?.kid ?? await addKey(keys, settings, 'next', now ? 0 : settings.publishDelay)
    // With no key signing yet (keys:rotate before the first start) the new key signs at once.
    if (now || current === undefined) await keys.promoteNext()
    const added = await keys.find(kid)
    return { kid, signsFrom: added?.activates_at ?? added?.state_at ?? new Date(), previous: current?.kid }
  })
}

// keys:revoke: a key that no longer signs stops verifying at once, and the sessions whose current
// tokens it signed end. Returns how many sessions ended.
export function revokeKey (db: Kysely<Database>, kid: string, config: Pick<Config, 'REFRESH_TOKEN_TTL'>): Promise<number> {
  return withKeyLock(db, async (keys, trx) => {
    const key = await keys.find(kid)
    if (key === undefined) throw new Error(`no key with id ${kid}`)
    refuseRevoking(key)
    await keys.setState(kid, 'revoked')
    const sessions = createSessionsRepository(trx, { idleTtl: config.REFRESH_TOKEN_TTL })
    return (await sessions.revoke({ signingKid: kid }, 'key_revoked')).length
  })
}

function refuseRevoking (key: SigningKey): void {
  if (key.state === 'current') throw new Error(`key ${key.kid} is the current signing key: run keys:rotate --now first, then revoke it`)
  if (key.state === 'retired' || key.state === 'revoked') throw new Error(`key ${key.kid} is already ${key.state}`)
}
