// First start on a fresh clone: write .env from .env.example with a fresh random JWT_SECRET.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export function ensureEnvFile (path = '.env', examplePath = '.env.example'): boolean {
  if (existsSync(path)) return false
  const example = existsSync(examplePath) ? readFileSync(examplePath, 'utf8') : 'JWT_SECRET=\n'
  const secret = randomBytes(32).toString('hex')
  const content = /^JWT_SECRET=.*$/m.test(example)
    ? example.replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${secret}`)
    : `${example}\nJWT_SECRET=${secret}\n`
  // Owner-only: the file holds the signing secret.
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' })
  return true
}
