// One process at a time per embedded data directory. PGlite keeps PostgreSQL's files in DATA_DIR but
// has no lock of its own, so a second process (a server, or a command beside it) would write the
// same files and one of them would lose its changes. A lock file in the directory holds the
// owner's pid; a lock whose process is gone (killed with -9) is taken over.
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

export const LOCK_FILE = 'bookly.lock'

// Absolute, so that two spellings of one directory are one lock in `held`.
const lockPath = (dataDir: string) => join(resolve(dataDir), LOCK_FILE)

// Directories this process holds: in a container the same pid comes back after a restart, so a
// lock with our own pid that we do not hold is left over from the previous run.
const held = new Set<string>()

export type Unlock = () => Promise<void>

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it runs, as another user.
    return errorCode(err) === 'EPERM'
  }
}

// Whether the process a lock names still holds it (a lock with no pid was never finished).
const holds = (path: string, pid: number) => pid !== 0 && (pid === process.pid ? held.has(path) : isRunning(pid))

// The pid in a lock file; undefined when there is no file, 0 when it holds no pid.
async function lockOwner (path: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw err
  }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 0
}

// Moves a stale lock aside before deleting it, so that of several processes recovering the same
// stale lock at once only one removes it, and none removes a lock taken meanwhile.
async function removeStale (path: string, stalePid: number): Promise<void> {
  const aside = `${path}.stale-${process.pid}`
  try {
    await rename(path, aside)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return
    throw err
  }
  // Taken by a live process between our read and the rename: put it back.
  if (await lockOwner(aside) !== stalePid) await link(aside, path).catch(() => {})
  await unlink(aside)
}

const inUse = (dataDir: string, pid: number) => new Error(`DATA_DIR ${dataDir} is in use by process ${pid}: ` +
  'one process at a time may open the embedded database (stop that one first, or set DATABASE_URL)')

// Fails as lockDataDir would if another live process holds the directory, without taking it: a
// command checks before it prompts for anything.
export async function assertDataDirFree (dataDir: string): Promise<void> {
  const path = lockPath(dataDir)
  const pid = await lockOwner(path)
  if (pid !== undefined && holds(path, pid)) throw inUse(dataDir, pid)
}

export async function lockDataDir (dataDir: string): Promise<Unlock> {
  const path = lockPath(dataDir)
  // Written whole, then linked into place: the lock file never exists half written.
  const draft = `${path}.${process.pid}`
  await writeFile(draft, `${process.pid}\n`)
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(draft, path)
        held.add(path)
        return () => unlockDataDir(path)
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err
      }
      const pid = await lockOwner(path)
      if (pid === undefined) continue
      if (holds(path, pid)) throw inUse(dataDir, pid)
      await removeStale(path, pid)
    }
    throw new Error(`DATA_DIR ${dataDir}: its lock file ${LOCK_FILE} keeps changing; is another process starting?`)
  } finally {
    await unlink(draft).catch(() => {})
  }
}

async function unlockDataDir (path: string): Promise<void> {
  if (!held.delete(path)) return
  if (await lockOwner(path) === process.pid) await unlink(path)
}
