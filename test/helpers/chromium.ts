// Which Chromium the browser tests drive: the one @sparticuz/chromium ships (npm install brings it), else
// chromium, chromium-browser or google-chrome on PATH; with neither, one line that says how to get one.
import { constants, createReadStream, createWriteStream } from 'node:fs'
import { access, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { delimiter, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createBrotliDecompress } from 'node:zlib'

export const NO_CHROMIUM = 'No Chromium for the browser tests: run `npm install` (its devDependency @sparticuz/chromium ships one), or put chromium, chromium-browser or google-chrome on PATH'

const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome']

export interface ChromiumSources {
  // The npm-shipped browser's executable, or undefined when the package is not installed.
  packaged: () => Promise<string | undefined>
  path: string | undefined
}

export async function findChromium ({ packaged, path }: ChromiumSources = { packaged: packagedChromium, path: process.env.PATH }): Promise<string> {
  const shipped = await packaged()
  if (shipped !== undefined) return shipped
  const found = await onPath(path ?? '')
  if (found === undefined) throw new Error(NO_CHROMIUM)
  return found
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

async function isExecutableFile (file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

// The package keeps the binary brotli-compressed; its own executablePath() inflates it to a fixed
// /tmp/chromium that a second process may launch half-written, so it is unpacked here instead: beside
// node_modules, per package version.
export async function packagedChromium (): Promise<string | undefined> {
  let entry: string
  try {
    entry = createRequire(import.meta.url).resolve('@sparticuz/chromium')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined
    throw err
  }
  const root = join(dirname(entry), '..')
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }
  return await unpackChromium(join(root, 'bin'), join(root, '..', '..', '.cache', `bookly-chromium-${version}`))
}

// Safe for processes that unpack at once (tap runs test files in parallel): each writes into a
// directory of its own and renames it into place whole; whoever comes second drops its copy.
export async function unpackChromium (binDir: string, cacheDir: string): Promise<string> {
  const executable = join(cacheDir, 'chromium')
  if (await isExecutableFile(executable)) return executable
  await mkdir(dirname(cacheDir), { recursive: true })
  const staging = await mkdtemp(`${cacheDir}.partial-`)
  try {
    await pipeline(createReadStream(join(binDir, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(staging, 'chromium'), { mode: 0o755 }))
    await rename(staging, cacheDir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await isExecutableFile(executable))) throw err
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return executable
}
