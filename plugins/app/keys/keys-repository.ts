// Signing keys: small functions over Kysely. Every change of the key set runs under one lock, so
// instances and commands acting at the same moment apply each transition once.
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database, KeyState, NewSigningKey, SigningKey } from '../../../db/types.js'

// Published keys: they may have signed a live token, or are about to sign.
export const PUBLISHED_STATES: readonly KeyState[] = ['next', 'current', 'previous']

const secondsAgo = (seconds: number) => sql<Date>`now() - make_interval(secs => ${seconds})`

export function createKeysRepository (db: Kysely<Database>) {
  return {
    list (): Promise<SigningKey[]> {
      return db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute()
    },

    find (kid: string): Promise<SigningKey | undefined> {
      return db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst()
    },

    // Seconds (by the database's clock) until the next key is due to sign or a previous key to
    // retire, after `retention` seconds; undefined when nothing is scheduled.
    async secondsToNextTransition (retention: number): Promise<number | undefined> {
      const row = await db.selectFrom('signing_keys')
        .select(sql<number | null>`extract(epoch from min(case
          when state = 'next' then activates_at
          when state = 'previous' then state_at + make_interval(secs => ${retention})
        end) - now())::float8`.as('seconds'))
        .executeTakeFirstOrThrow()
      return row.seconds ?? undefined
    },

    // A next key gets `activatesIn` seconds from now before it signs.
    insert (key: Omit<NewSigningKey, 'activates_at'>, activatesIn?: number): Promise<unknown> {
      const activatesAt = activatesIn === undefined ? null : sql<Date>`now() + make_interval(secs => ${activatesIn})`
      return db.insertInto('signing_keys').values({ ...key, activates_at: activatesAt }).execute()
    },

    // The next key signs from now on; the current one becomes previous. False when there is no next key.
    async promoteNext (): Promise<boolean> {
      const next = await db.selectFrom('signing_keys').select('kid').where('state', '=', 'next').executeTakeFirst()
      if (next === undefined) return false
      await db.updateTable('signing_keys').set({ state: 'previous', state_at: sql`now()` }).where('state', '=', 'current').execute()
      await db.updateTable('signing_keys').set({ state: 'current', state_at: sql`now()`, activates_at: null }).where('kid', '=', next.kid).execute()
      return true
    },

    async nextIsDue (): Promise<boolean> {
      const due = await db.selectFrom('signing_keys').select('kid')
        .where('state', '=', 'next').where('activates_at', '<=', sql<Date>`now()`).executeTakeFirst()
      return due !== undefined
    },

    // Previous keys whose every token has expired stop verifying. Returns their ids.
    async retireExpired (retention: number): Promise<string[]> {
      const rows = await db.updateTable('signing_keys').set({ state: 'retired', state_at: sql`now()` })
        .where('state', '=', 'previous').where('state_at', '<=', secondsAgo(retention))
        .returning('kid').execute()
      return rows.map((row) => row.kid)
    },

    setState (kid: string, state: KeyState): Promise<unknown> {
      return db.updateTable('signing_keys').set({ state, state_at: sql`now()`, activates_at: null }).where('kid', '=', kid).execute()
    }
  }
}

export type KeysRepository = ReturnType<typeof createKeysRepository>

// Runs `fn` in a transaction holding the key-set lock, with a repository over that transaction.
export async function withKeyLock<T> (db: Kysely<Database>, fn: (keys: KeysRepository, trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('bookly signing keys'))`.execute(trx)
    return fn(createKeysRepository(trx), trx)
  })
}
