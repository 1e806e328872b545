// Opens the database: a pg pool when DATABASE_URL is set, else embedded PGlite in DATA_DIR.
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { Kysely, PostgresDialect } from 'kysely'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { lockDataDir, type Unlock } from './data-dir-lock.js'
import { embeddedDatabase } from './embedded.js'
import { reportPoolErrors, unreachableDatabase } from './errors.js'
import { poolUseOf, type PoolUse } from './pool-use.js'
import type { Database } from './types.js'

export type Unlisten = () => Promise<void>

export interface Notifications {
  // Subscribes to a NOTIFY channel. onConnected runs after every (re)connection of the
  // listener, so a caller can reload whatever was announced while it was not listening.
  listen (channel: string, onMessage: (payload: string) => void, onConnected: () => Promise<void>): Promise<Unlisten>
}

export interface DatabaseHandle {
  db: Kysely<Database>
  notifications: Notifications
  poolUse (): PoolUse
  close (): Promise<void>
}

export interface ConnectOptions {
  databaseUrl: string
  dataDir: string
  // An already started PGlite (tests share one per process); the caller closes it.
  pglite?: PGlite
  onListenerError?: (err: Error) => void
}

// PGlite is PostgreSQL compiled to WebAssembly. V8's optimising tier recompiles its hot functions
// in the background and keeps tens of MB more resident for good, and V8's baseline code serves
// our queries as fast (bench/README.md), so embedded PostgreSQL stays on it.
// Set before PGlite compiles its module; it changes nothing for JavaScript.
function liftoffOnly (): void {
  setFlagsFromString('--liftoff-only')
}

// The PostgreSQL major version PGlite embeds. A data directory opens only in the major version
// that wrote it; PGlite itself then fails with a message that names neither.
export const EMBEDDED_POSTGRES_MAJOR = '18'

async function checkDataDirVersion (dataDir: string): Promise<void> {
  const written = await readFile(join(dataDir, 'PG_VERSION'), 'utf8').then((text) => text.trim(), () => undefined)
  if (written !== undefined && written !== EMBEDDED_POSTGRES_MAJOR) {
    throw new Error(`DATA_DIR ${dataDir} holds a PostgreSQL ${written} database and Bookly embeds PostgreSQL ` +
      `${EMBEDDED_POSTGRES_MAJOR}: move it aside to start afresh, or set DATABASE_URL to a PostgreSQL server`)
  }
}

export async function connect (opts: ConnectOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return connectPostgres(opts.databaseUrl, opts.onListenerError)
  let pglite = opts.pglite
  const owned = pglite === undefined
  let unlock: Unlock | undefined
  if (pglite === undefined) {
    liftoffOnly()
    if (!opts.dataDir.startsWith('memory://')) {
      await checkDataDirVersion(opts.dataDir)
      await mkdir(opts.dataDir, { recursive: true })
      unlock = await lockDataDir(opts.dataDir)
    }
    // PostgreSQL's default 128 MB buffer pool would be most of the service's memory; 16 MB
    // serves a catalogue this size.
    pglite = new PGlite(opts.dataDir, { postgresqlconf: ['shared_buffers = 16MB'] })
  }
  try {
    await pglite.waitReady
  } catch (err) {
    await unlock?.()
    throw err
  }
  const embedded = pglite
  const { db, notifications, poolUse } = embeddedDatabase(embedded, opts.onListenerError)
  return {
    db,
    notifications,
    poolUse,
    async close () {
      // A shared instance stays open for its owner.
      if (!owned) return
      await db.destroy()
      await embedded.close()
      await unlock?.()
    }
  }
}

async function connectPostgres (connectionString: string, onListenerError?: (err: Error) => void): Promise<DatabaseHandle> {
  // A server that accepts but never answers fails the query after 5 s (503) instead of hanging it.
  const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 5000 })
  // A client losing its server must not crash the process, idle or checked out.
  reportPoolErrors(pool, onListenerError)
  // One connection first, so a start with a wrong DATABASE_URL stops saying so, not with a bare socket error.
  try {
    (await pool.connect()).release()
  } catch (err) {
    await pool.end()
    throw unreachableDatabase(connectionString, err)
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const listeners = new Set<PostgresListener>()
  return {
    db,
    poolUse: poolUseOf(pool),
    notifications: {
      async listen (channel, onMessage, onConnected) {
        const listener = new PostgresListener(connectionString, channel, onMessage, onConnected, onListenerError)
        listeners.add(listener)
        await listener.start()
        return async () => {
          listeners.delete(listener)
          await listener.stop()
        }
      }
    },
    async close () {
      await Promise.all([...listeners].map((l) => l.stop()))
      await db.destroy()
    }
  }
}

// One dedicated connection per channel: pooled connections cannot hold a LISTEN.
class PostgresListener {
  #client: pg.Client | undefined
  #stopped = false
  #retryTimer: NodeJS.Timeout | undefined
  #retryDelay = 100

  constructor (
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onMessage: (payload: string) => void,
    private readonly onConnected: () => Promise<void>,
    private readonly onError?: (err: Error) => void
  ) {}

  async start (): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString })
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.onMessage(msg.payload ?? '')
    })
    client.on('error', (err) => {
      this.onError?.(err)
      this.#reconnect(client)
    })
    client.on('end', () => this.#reconnect(client))
    this.#client = client
    await client.connect()
    await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`)
    this.#retryDelay = 100
    await this.onConnected()
  }

  #reconnect (client: pg.Client): void {
    if (this.#stopped || this.#client !== client || this.#retryTimer) return
    this.#client = undefined
    client.end().catch(() => {})
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.start().catch((err: Error) => {
        this.onError?.(err)
        this.#retryDelay = Math.min(this.#retryDelay * 2, 5000)
        if (this.#client) this.#reconnect(this.#client)
      })
    }, this.#retryDelay)
    this.#retryTimer.unref()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#retryTimer)
    const client = this.#client
    this.#client = undefined
    await client?.end()
  }
}
