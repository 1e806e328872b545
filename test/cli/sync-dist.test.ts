import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const script = join(import.meta.dirname, '../../cli/sync-dist.mjs')

// Files under a directory, made with their parents.
function write (root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

test('after tsc --build, dist/ keeps only what a source still gives, and public/ as it is', async (t) => {
  // A checkout of its own: the script works on the repository it sits in.
  const root = mkdtempSync(join(tmpdir(), 'bookly-sync-dist-'))
  mkdirSync(join(root, 'cli'))
  copyFileSync(script, join(root, 'cli/sync-dist.mjs'))
  write(root, {
    'server.ts': '',
    'preload.cts': '',
    'routes/books/index.ts': '',
    'public/page/index.html': 'new',
    'dist/server.js': '',
    'dist/server.js.map': '',
    'dist/preload.cjs': '',
    'dist/preload.cjs.map': '',
    'dist/routes/books/index.js': '',
    'dist/tsconfig.build.tsbuildinfo': '{}',
    // Compiled from sources since deleted, and a public file since removed.
    'dist/routes/gone/deeper/index.js': '',
    'dist/routes/gone/deeper/index.js.map': '',
    'dist/routes/books/old.js': '',
    'dist/public/page/index.html': 'old',
    'dist/public/page/removed.css': ''
  })
  execFileSync(process.execPath, [join(root, 'cli/sync-dist.mjs')])
  for (const kept of ['server.js', 'server.js.map', 'preload.cjs', 'preload.cjs.map', 'routes/books/index.js', 'tsconfig.build.tsbuildinfo']) {
    t.ok(existsSync(join(root, 'dist', kept)), `${kept} kept`)
  }
  for (const gone of ['routes/gone', 'routes/books/old.js', 'public/page/removed.css']) {
    t.notOk(existsSync(join(root, 'dist', gone)), `${gone} removed`)
  }
  t.equal(readFileSync(join(root, 'dist/public/page/index.html'), 'utf8'), 'new', 'public/ copied as it is')
})

test('npm start checks the settings, then builds incrementally, then runs what is built', async (t) => {
  const repo = join(import.meta.dirname, '../..')
  const { scripts } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.equal(scripts.start, 'node --import tsx config/check.ts && npm run build && node --require ./dist/preload.cjs dist/server.js')
  t.equal(scripts.build, 'tsc --build tsconfig.build.json && node cli/sync-dist.mjs')
  const buildConfig = JSON.parse(readFileSync(join(repo, 'tsconfig.build.json'), 'utf8')) as { compilerOptions?: { incremental?: boolean } }
  t.equal(buildConfig.compilerOptions?.incremental, true, 'tsc keeps dist/tsconfig.build.tsbuildinfo and compiles only what changed')
})
