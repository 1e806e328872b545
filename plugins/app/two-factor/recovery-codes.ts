// Recovery codes: ten per account, 80 random bits each, shown once and kept only as SHA-256 hashes
// (at 80 bits a hash needs no key stretching). Written as four groups of four base32 characters;
// accepted in either case, with or without the hyphens or spaces.
import { createHash, randomBytes } from 'node:crypto'

export const RECOVERY_CODE_COUNT = 10

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const LENGTH = 16

// What a body's recovery_code may be: the code, grouped or not.
export const RECOVERY_CODE_PATTERN = '^[A-Za-z2-7]{4}([- ]?[A-Za-z2-7]{4}){3}$'

function newCode (): string {
  // 5 bits from each byte: 32 divides 256, so every character is equally likely.
  const characters = [...randomBytes(LENGTH)].map((byte) => ALPHABET[byte % 32])
  return characters.join('').replace(/(.{4})(?!$)/g, '$1-')
}

// The form that is hashed: lower case, no separators.
const canonical = (code: string): string => code.toLowerCase().replace(/[- ]/g, '')

export const hashRecoveryCode = (code: string): Buffer => createHash('sha256').update(canonical(code)).digest()

export function newRecoveryCodes (): { codes: string[], hashes: Buffer[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode)
  return { codes, hashes: codes.map(hashRecoveryCode) }
}
