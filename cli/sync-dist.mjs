// After `tsc --build` (which compiles only what changed since dist/tsconfig.build.tsbuildinfo):
// dist/ gets nothing a source no longer gives, since autoload would still load the compiled
// file of a deleted route or plugin, and public/ as it is. Plain JavaScript: it runs where
// nothing is compiled yet.
import { cpSync, existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')

// dist/a/b.js (and its .map) came from a/b.ts; dist/a/b.cjs from a/b.cts.
const compiled = /\.(c?)js(\.map)?$/
const sourceOf = (file) => file.replace(compiled, (_, c) => `.${c}ts`)

const entries = readdirSync(dist, { recursive: true, encoding: 'utf8' })
for (const file of entries) {
  if (file.startsWith(`public${sep}`) || !compiled.test(file)) continue
  if (!existsSync(join(root, sourceOf(file)))) rmSync(join(dist, file))
}
// Deepest first, the folders that emptied.
for (const dir of entries.filter((entry) => statSync(join(dist, entry), { throwIfNoEntry: false })?.isDirectory()).reverse()) {
  if (readdirSync(join(dist, dir)).length === 0) rmdirSync(join(dist, dir))
}
rmSync(join(dist, 'public'), { recursive: true, force: true })
cpSync(join(root, 'public'), join(dist, 'public'), { recursive: true })
