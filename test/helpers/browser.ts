// A real headless Chromium (test/helpers/chromium.ts finds it) driven by playwright-core, with a
// user-data directory of its own, closed and removed when the test ends.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { findChromium } from './chromium.js'

type Test = { teardown (fn: () => unknown): void }

// Headless, and quiet on the network: nothing but the pages a test opens.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

let found: ReturnType<typeof findChromium> | undefined

// `args`: more Chromium flags, e.g. --host-resolver-rules to reach the test server by a host name.
export async function openBrowser (t: Test, args: string[] = []): Promise<BrowserContext> {
  found ??= findChromium()
  const { executablePath, env } = await found
  const userDataDir = await mkdtemp(join(tmpdir(), 'bookly-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, env: { ...process.env, ...env }, headless: true, args: [...FLAGS, ...args]
  })
  t.teardown(async () => {
    await context.close()
    await rm(userDataDir, { recursive: true, force: true })
  })
  return context
}
