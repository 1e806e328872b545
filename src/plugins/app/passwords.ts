// argon2id hashing at OWASP parameters, and the decoy verification that makes unknown e-mails cost the same.
import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'

export const HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1
} as const

export interface Passwords {
  hash (password: string): Promise<string>
  // Returns whether the password matches; a missing hash is checked against a decoy so timing says nothing.
  verify (hash: string | undefined, password: string): Promise<boolean>
  needsRehash (hash: string): boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    passwords: Passwords
  }
}

// argon2 writes m,p,t; the PHC reference order is m,t,p, which every other argon2 library parses.
function canonical (hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$')
}

export async function createPasswords (): Promise<Passwords> {
  const hash = async (password: string) => canonical(await argon2.hash(password, HASH_OPTIONS))
  // Made up front so the first unknown e-mail does not also pay for a hash.
  const decoy = await hash(randomBytes(16).toString('hex'))
  return {
    hash,
    async verify (stored, password) {
      try {
        const ok = await argon2.verify(stored ?? decoy, password)
        return ok && stored !== undefined
      } catch {
        // A malformed stored hash is a failed login, not a crash.
        return false
      }
    },
    needsRehash (stored) {
      return argon2.needsRehash(stored, HASH_OPTIONS)
    }
  }
}

export default fp(async function passwords (fastify) {
  const passwords = await createPasswords()
  fastify.decorate('passwords', passwords)
}, { name: 'passwords' })
