// Private keys at rest: AES-256-GCM under a key that HKDF derives from JWT_SECRET, bound to the
// key's id, so a database dump alone cannot sign and a ciphertext cannot be moved to another key.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const SALT = 'bookly signing keys'
const INFO = 'private key encryption v1'
const VERSION = 'v1'

export function encryptionKey (secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32))
}

export function encryptPrivateKey (key: Buffer, kid: string, privateKey: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(Buffer.from(kid))
  const ciphertext = Buffer.concat([cipher.update(privateKey, 'utf8'), cipher.final()])
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => typeof part === 'string' ? part : part.toString('base64url')).join('.')
}

// The private key, under the first of `keys` that opens it; undefined when none does.
export function decryptPrivateKey (keys: Buffer[], kid: string, sealed: string): string | undefined {
  const [version, iv, tag, ciphertext] = sealed.split('.')
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) return undefined
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 })
      decipher.setAAD(Buffer.from(kid))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
    } catch {
      // Sealed under another secret: try the next one.
    }
  }
  return undefined
}
