// Signing keys as a test reaches them: their rows, their private keys opened with the test secret,
// rotations as keys:rotate makes them, and tokens signed with any key and header.
import { createHmac, createPrivateKey, sign } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { freshDatabase, type TestDatabase } from './databases.js'
import { bearer } from './fixtures.js'
import type { KeyState, SigningKey } from '../../db/types.js'
import { sealingKey, unseal } from '../../plugins/app/keys/sealing.js'
import { keySettings, rotateKeys, type Rotation } from '../../plugins/app/keys/key-lifecycle.js'
import { build, TEST_SECRET } from '../helper.js'

export const keyRows = (app: FastifyInstance): Promise<SigningKey[]> =>
  app.db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute()

export async function keyIn (app: FastifyInstance, state: KeyState): Promise<SigningKey> {
  const key = (await keyRows(app)).find((row) => row.state === state)
  if (key === undefined) throw new Error(`no ${state} key`)
  return key
}

export function privateKeyOf (row: SigningKey, secret = TEST_SECRET): string {
  const pem = unseal([sealingKey(secret, 'signing-key')], row.kid, row.private_key)
  if (pem === undefined) throw new Error(`cannot open key ${row.kid}`)
  return pem
}

export const rotate = (app: FastifyInstance, now: boolean): Promise<Rotation> => rotateKeys(app.db, keySettings(app.config), { now })

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

// A JWT with exactly this header and these claims: `secret` HMAC-signs it (HS256/384/512),
// `privateKey` (PEM) signs it with EdDSA or ES256 (as JOSE's raw r||s).
export function signToken (header: Record<string, unknown>, claims: Record<string, unknown>, by: { secret: string } | { privateKey: string }): string {
  const input = `${b64(header)}.${b64(claims)}`
  if ('secret' in by) {
    const bits = String(header.alg).slice(2)
    return `${input}.${createHmac(`sha${bits}`, by.secret).update(input).digest('base64url')}`
  }
  const key = createPrivateKey(by.privateKey)
  const signature = header.alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : sign(null, Buffer.from(input), key)
  return `${input}.${signature.toString('base64url')}`
}

// An app signing with key pairs, on a database of the test's own unless given one, so rotations
// elsewhere do not reach it.
export async function keyPairApp (t: Parameters<typeof build>[0], alg: 'EdDSA' | 'ES256' = 'EdDSA', database?: TestDatabase, config: Record<string, unknown> = {}) {
  return build(t, { database: database ?? await freshDatabase(), config: { JWT_ALGORITHM: alg, ...config } })
}

export const me = (app: FastifyInstance, token: string) => app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })
export const refresh = (app: FastifyInstance, token: string) => app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(token) })
export const jwks = async (app: FastifyInstance) => (await app.inject({ url: '/.well-known/jwks.json' })).json().keys as Array<Record<string, string>>
