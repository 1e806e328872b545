// The browser tests' Chromium: the npm-shipped one first, then PATH, else one line that says what to run;
// unpacking it is safe for test processes that do so at the same time.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { brotliCompressSync, constants, createBrotliCompress } from 'node:zlib'
import { pack } from 'tar-fs'
import { test } from 'tap'
import { findChromium, NO_CHROMIUM, packagedChromium, unpackChromium } from './chromium.js'
import { tsxFlags } from './program.js'

const none = async (): Promise<undefined> => undefined

async function scratch (t: { teardown (fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bookly-chromium-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function fakeExecutable (dir: string, name: string, mode = 0o755): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = join(dir, name)
  await writeFile(file, '#!/bin/sh\nexit 0\n')
  await chmod(file, mode)
  return file
}

test('with no npm-shipped browser and none on PATH, it fails with one line naming the command', async (t) => {
  for (const path of ['', undefined]) {
    await t.rejects(findChromium({ packaged: none, path }), { message: NO_CHROMIUM })
  }
  t.notMatch(NO_CHROMIUM, /\n/)
  t.match(NO_CHROMIUM, /`npm install`/)
})

test('on PATH: chromium, chromium-browser or google-chrome, executable files only, chromium first', async (t) => {
  const dir = await scratch(t)
  const [first, second] = [join(dir, 'first'), join(dir, 'second')]
  await fakeExecutable(first, 'chromium', 0o644)
  await mkdir(join(first, 'chromium-browser'), { recursive: true })
  await t.rejects(findChromium({ packaged: none, path: first }), { message: NO_CHROMIUM }, 'not executable, or a directory')

  const chrome = await fakeExecutable(first, 'google-chrome')
  t.same(await findChromium({ packaged: none, path: [first, second].join(delimiter) }), { executablePath: chrome, env: {} })
  const chromium = await fakeExecutable(second, 'chromium')
  t.same(await findChromium({ packaged: none, path: ['', first, second].join(delimiter) }), { executablePath: chromium, env: {} },
    'the name comes before the order of PATH')
})

test('the npm-shipped browser comes before PATH', async (t) => {
  const dir = await scratch(t)
  await fakeExecutable(dir, 'chromium')
  const shipped = { executablePath: '/shipped/chromium', env: {} }
  t.equal(await findChromium({ packaged: async () => shipped, path: dir }), shipped)
})

test('npm install brings a Chromium: @sparticuz/chromium, unpacked beside node_modules with its fonts', async (t) => {
  const shipped = await packagedChromium()
  t.match(shipped?.executablePath, /node_modules\/\.cache\/bookly-chromium-[\d.]+\/chromium$/)
  const fontsConf = await readFile(shipped?.env.FONTCONFIG_FILE ?? '', 'utf8')
  const fonts = /<dir>([^<]+)<\/dir>/.exec(fontsConf)?.[1] ?? ''
  t.ok((await readdir(fonts, { recursive: true })).some((file) => file.endsWith('.ttf')), 'fontconfig is pointed at the fonts it ships')
  t.same(await findChromium({ packaged: packagedChromium, path: '' }), shipped)
})

test('processes that unpack at once all get the whole binary, and leave no partial copy', async (t) => {
  const dir = await scratch(t)
  const bin = join(dir, 'bin')
  const cache = join(dir, 'cache', 'chromium-1')
  const binary = randomBytes(32 << 20)
  await mkdir(bin)
  await writeFile(join(bin, 'chromium.br'), brotliCompressSync(binary, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }))
  await fakeExecutable(join(dir, 'fonts-source', 'fonts', 'Sans'), 'Sans.ttf', 0o644)
  await pipeline(pack(join(dir, 'fonts-source')), createBrotliCompress(), createWriteStream(join(bin, 'fonts.tar.br')))

  const helper = new URL('./chromium.ts', import.meta.url).href
  // Each prints what it was given and how many bytes that file held when it was given it.
  const script = `const { unpackChromium } = await import(${JSON.stringify(helper)}); const { stat } = await import('node:fs/promises');
    const file = await unpackChromium(process.argv[1], process.argv[2]); console.log(file, (await stat(file)).size)`
  const run = (): Promise<{ code: number | null, out: string }> => new Promise((resolve) => {
    const child = spawn(process.execPath, [...tsxFlags, '--input-type=module', '-e', script, bin, cache])
    let out = ''
    child.stdout.on('data', (chunk) => { out += String(chunk) })
    child.stderr.on('data', (chunk) => { out += String(chunk) })
    child.once('exit', (code) => resolve({ code, out }))
  })
  const executable = join(cache, 'chromium')
  for (const result of await Promise.all([run(), run(), run(), run()])) {
    t.same(result, { code: 0, out: `${executable} ${binary.length}\n` })
  }
  t.ok((await readFile(executable)).equals(binary), 'the binary is whole')
  t.same(await readdir(join(cache, 'fonts'), { recursive: true }), ['Sans', join('Sans', 'Sans.ttf')], 'the fonts are unpacked')
  t.match(await readFile(join(cache, 'fonts.conf'), 'utf8'), `<dir>${join(cache, 'fonts')}</dir>`, 'where fontconfig finds them')
  t.same(await readdir(join(dir, 'cache')), ['chromium-1'], 'no partial copy left')
  t.equal(await unpackChromium(join(dir, 'gone'), cache), executable, 'once unpacked, it is not unpacked again')
})

test('a directory in the way that holds no whole unpacked Chromium is named, not used', async (t) => {
  const dir = await scratch(t)
  await fakeExecutable(join(dir, 'cache'), 'chromium')
  await writeFile(join(dir, 'chromium.br'), brotliCompressSync(Buffer.from('binary')))
  await pipeline(pack(join(dir, 'cache')), createBrotliCompress(), createWriteStream(join(dir, 'fonts.tar.br')))
  await t.rejects(unpackChromium(dir, join(dir, 'cache')), { message: `${join(dir, 'cache')} holds an incomplete Chromium: remove it, and the next test unpacks it again` })
})
