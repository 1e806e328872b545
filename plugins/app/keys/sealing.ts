// Secrets at rest (private signing keys, TOTP secrets): AES-256-GCM under a key that HKDF derives
// from JWT_SECRET, one key per purpose, each sealed text bound to its owner (a kid, a user's uid),
// so a database dump alone opens nothing and a sealed text cannot be moved to another owner.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

// HKDF's salt and info per purpose; the signing keys' are those of the first release.
const PURPOSES = {
  'signing-key': ['bookly signing keys', 'private key encryption v1'],
  'totp-secret': ['bookly two-factor', 'totp secret encryption v1']
} as const

export type SealingPurpose = keyof typeof PURPOSES

const VERSION = 'v1'

export function sealingKey (secret: string, purpose: SealingPurpose): Buffer {
  const [salt, info] = PURPOSES[purpose]
  return Buffer.from(hkdfSync('sha256', secret, salt, info, 32))
}

// The sealing keys of JWT_SECRET and then of each former secret: the first seals, any of them opens.
export const sealingKeys = (secrets: string[], purpose: SealingPurpose): Buffer[] =>
  secrets.map((secret) => sealingKey(secret, purpose))

export function seal (key: Buffer, owner: string, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(Buffer.from(owner))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => typeof part === 'string' ? part : part.toString('base64url')).join('.')
}

// The plaintext, under the first of `keys` that opens it; undefined when none does.
export function unseal (keys: Buffer[], owner: string, sealed: string): string | undefined {
  const [version, iv, tag, ciphertext] = sealed.split('.')
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) return undefined
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 })
      decipher.setAAD(Buffer.from(owner))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
    } catch {
      // Sealed under another secret: try the next one.
    }
  }
  return undefined
}
