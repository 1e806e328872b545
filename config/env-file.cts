// The .env file: written on a developer's first start from .env.example, with a fresh JWT_SECRET,
// then read once per start into process.env, where a variable already set in the environment wins.
// With NODE_ENV=production (the image) it is read if present and never written: a secret made up
// inside a container would change with every new container, and nobody would have chosen it.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

function createFromExample (path: string, examplePath: string): boolean {
  if (process.env.NODE_ENV === 'production' || existsSync(path)) return false
  const example = existsSync(examplePath) ? readFileSync(examplePath, 'utf8') : 'JWT_SECRET=\n'
  const secret = randomBytes(32).toString('hex')
  const content = /^JWT_SECRET=.*$/m.test(example)
    ? example.replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${secret}`)
    : `${example}\nJWT_SECRET=${secret}\n`
  // Owner-only: the file holds the signing secret.
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' })
  return true
}

export interface EnvFile {
  // This start wrote .env (server.ts says so in its log).
  created: boolean
}

export function loadEnvFile (path = '.env', examplePath = '.env.example'): EnvFile {
  const created = createFromExample(path, examplePath)
  if (existsSync(path)) process.loadEnvFile(path)
  return { created }
}
