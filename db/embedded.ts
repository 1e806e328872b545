// Embedded PGlite behind Kysely's own PostgreSQL dialect, through PGlite's node-postgres adapter:
// the same driver, type parsing and errors as on a PostgreSQL server.
import { PostgresDialect, Kysely, sql, type PostgresPool, type PostgresPoolClient } from 'kysely'
import type { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import pg from 'pg'
import { reportPoolErrors } from './errors.js'
import type { Notifications } from './connect.js'
import { poolUseOf, type PoolUse } from './pool-use.js'
import type { Database } from './types.js'

export interface EmbeddedDatabase {
  db: Kysely<Database>
  notifications: Notifications
  poolUse (): PoolUse
}

// PGlite is one session: everything that uses an instance goes through one pool of one client,
// which keeps a transaction's statements together (tests share an instance between apps).
const byPglite = new WeakMap<PGlite, EmbeddedDatabase>()

// onError hears what pg reports outside a query (the first opener's, for a shared instance).
export function embeddedDatabase (pglite: PGlite, onError?: (err: Error) => void): EmbeddedDatabase {
  let database = byPglite.get(pglite)
  if (database === undefined) byPglite.set(pglite, database = open(pglite, onError))
  return database
}

function open (pglite: PGlite, onError?: (err: Error) => void): EmbeddedDatabase {
  // Kept for good (no idle timeout): its prepared statements live in PGlite's one session.
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 } as pg.PoolConfig)
  // A failing PGlite (closed, or its WebAssembly aborted) must not end the process either.
  reportPoolErrors(pool, onError)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingStatements(pool) }) })

  // LISTEN goes through the pg client like every other statement: PGlite's own listen() would send
  // its LISTEN between the messages of a query the adapter is halfway through. PGlite hands every
  // notification to onNotification, whichever statement's answer carried it.
  const subscribers = new Map<string, Set<(payload: string) => void>>()
  pglite.onNotification((channel, payload) => {
    for (const onMessage of subscribers.get(channel) ?? []) onMessage(payload)
  })
  return {
    db,
    poolUse: poolUseOf(pool),
    notifications: {
      async listen (channel, onMessage, onConnected) {
        let channelSubscribers = subscribers.get(channel)
        if (channelSubscribers === undefined) {
          await sql`listen ${sql.id(channel)}`.execute(db)
          subscribers.set(channel, channelSubscribers = subscribers.get(channel) ?? new Set())
        }
        channelSubscribers.add(onMessage)
        await onConnected()
        return async () => {
          channelSubscribers.delete(onMessage)
          if (channelSubscribers.size > 0 || subscribers.get(channel) !== channelSubscribers) return
          subscribers.delete(channel)
          await sql`unlisten ${sql.id(channel)}`.execute(db)
        }
      }
    }
  }
}

// PostgreSQL parses and plans a query every time unless it is a named prepared statement, and on
// PGlite, on our own thread, that is most of a short query's cost (bench/README.md). So every query with parameters runs as a statement named after its SQL
// text; those without stay on the simple protocol, which takes several statements at once.
// Embedded only: its schema changes only while it starts (migrations run in process), so a
// prepared `select *` cannot outlive the shape of its table, as under a live `npm run migrate`.
export const MAX_NAMED_STATEMENTS = 500

function preparingStatements (pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>()
  const nameFor = (text: string) => {
    let name = names.get(text)
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
      name = `bookly_${names.size + 1}`
      names.set(text, name)
    }
    return name
  }
  // Kysely keeps its connection objects per client object: one wrapper per pg client.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient) => ({
    query (text: string | pg.Submittable, values?: unknown[]) {
      if (typeof text !== 'string') return client.query(text)
      const name = values !== undefined && values.length > 0 ? nameFor(text) : undefined
      return client.query({ text, values, name })
    },
    release: (destroy?: boolean) => client.release(destroy)
  }) as unknown as PostgresPoolClient
  return {
    async connect () {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) wrappers.set(client, wrapper = wrap(client))
      return wrapper
    },
    end: () => pool.end()
  }
}
