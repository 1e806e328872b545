import { test } from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TEST_SECRET } from '../helper.js'
import { tsxFlags } from '../helpers/program.js'

const check = join(import.meta.dirname, '../../config/check.ts')

// As `npm start` runs it, before anything is compiled.
function runCheck (env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'bookly-check-'))
  const result = spawnSync(process.execPath, [...tsxFlags, check], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    encoding: 'utf8'
  })
  return { ...result, files: readdirSync(cwd) }
}

test('npm start\'s first step stops a bad setting with the server\'s one line', async (t) => {
  const bad = runCheck({ JWT_SECRET: TEST_SECRET, JWT_ALGORITHM: 'RS256' })
  t.equal(bad.status, 1)
  t.equal(bad.stderr, 'bookly: cannot start: JWT_ALGORITHM must be one of HS256, HS384, HS512, EdDSA, ES256\n')
  t.same(bad.files, [], 'wrote nothing')
  const good = runCheck({ JWT_SECRET: TEST_SECRET })
  t.equal(good.status, 0)
  t.equal(good.stderr, '')
})
