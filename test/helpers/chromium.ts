// Which Chromium the browser tests drive: the one @sparticuz/chromium ships (npm install brings it), else
// chromium, chromium-browser or google-chrome on PATH; with neither, one line that says how to get one.
import { constants, createReadStream, createWriteStream } from 'node:fs'
import { access, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { delimiter, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createBrotliDecompress } from 'node:zlib'
import escapeHtml from 'escape-html'
import { extract } from 'tar-fs'

export const NO_CHROMIUM = 'No Chromium for the browser tests: run `npm install` (its devDependency @sparticuz/chromium ships one), or put chromium, chromium-browser or google-chrome on PATH'

const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome']

export interface Chromium {
  executablePath: string
  // What the browser's environment needs on top of the tests' own.
  env: Record<string, string>
}

export interface ChromiumSources {
  // The npm-shipped browser, or undefined when the package is not installed.
  packaged: () => Promise<Chromium | undefined>
  path: string | undefined
}

export async function findChromium ({ packaged, path }: ChromiumSources = { packaged: packagedChromium, path: process.env.PATH }): Promise<Chromium> {
  const shipped = await packaged()
  if (shipped !== undefined) return shipped
  const found = await onPath(path ?? '')
  if (found === undefined) throw new Error(NO_CHROMIUM)
  return { executablePath: found, env: {} }
}

async function onPath (path: string): Promise<string | undefined> {
  const dirs = path.split(delimiter).filter((dir) => dir !== '')
  for (const name of ON_PATH) {
    for (const dir of dirs) {
      const candidate = join(dir, name)
      if (await isExecutableFile(candidate)) return candidate
    }
  }
  return undefined
}

async function isFile (file: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(file, mode)
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

const isExecutableFile = (file: string) => isFile(file, constants.X_OK)

// The package keeps the binary and its fonts brotli-compressed; its own executablePath() inflates them to
// a fixed /tmp/chromium and /tmp/fonts that a second process may use half-written, so they are unpacked
// here instead: beside node_modules, per package version.
export async function packagedChromium (): Promise<Chromium | undefined> {
  let entry: string
  try {
    entry = createRequire(import.meta.url).resolve('@sparticuz/chromium')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined
    throw err
  }
  const root = join(dirname(entry), '..')
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }
  const cacheDir = join(root, '..', '..', '.cache', `bookly-chromium-${version}`)
  const executablePath = await unpackChromium(join(root, 'bin'), cacheDir)
  return { executablePath, env: { FONTCONFIG_FILE: join(cacheDir, 'fonts.conf') } }
}

// Its fonts only, so that pages render alike on every machine; with no font at all, Chromium aborts.
const fontsConf = (cacheDir: string) => `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${escapeHtml(join(cacheDir, 'fonts'))}</dir>
  <cachedir>${escapeHtml(join(cacheDir, 'fonts-cache'))}</cachedir>
</fontconfig>
`

// Safe for processes that unpack at once (tap runs test files in parallel): each writes into a
// directory of its own and renames it into place whole; whoever comes second drops its copy.
export async function unpackChromium (binDir: string, cacheDir: string): Promise<string> {
  const executable = join(cacheDir, 'chromium')
  const unpacked = async () => await isExecutableFile(executable) && await isFile(join(cacheDir, 'fonts.conf'))
  if (await unpacked()) return executable
  await mkdir(dirname(cacheDir), { recursive: true })
  const staging = await mkdtemp(`${cacheDir}.partial-`)
  try {
    await pipeline(createReadStream(join(binDir, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(staging, 'chromium'), { mode: 0o755 }))
    await pipeline(createReadStream(join(binDir, 'fonts.tar.br')), createBrotliDecompress(), extract(staging))
    await writeFile(join(staging, 'fonts.conf'), fontsConf(cacheDir))
    await rename(staging, cacheDir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err
    if (!(await unpacked())) throw new Error(`${cacheDir} holds an incomplete Chromium: remove it, and the next test unpacks it again`)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return executable
}
