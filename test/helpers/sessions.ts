// Sessions written straight into the table, in bulk, with their clocks set back: ended sessions of
// any age, without a login (and its argon2 hash) for each.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../db/types.js'

export interface SessionAges {
  // Seconds ago, each; unset: not revoked, expiring in a day, used just now.
  revoked?: number
  expired?: number
  lastUsed?: number
}

const ago = (seconds: number | undefined, otherwise: ReturnType<typeof sql>) =>
  seconds === undefined ? otherwise : sql`now() - make_interval(secs => ${seconds})`

export async function insertSessions (db: Kysely<Database>, count: number, ages: SessionAges = {}): Promise<void> {
  await sql`insert into sessions (id, expires_at, last_used_at, revoked_at, revoked_reason, refresh_jti, access_jti, issued_at)
    select gen_random_uuid(), ${ago(ages.expired, sql`now() + interval '1 day'`)}, ${ago(ages.lastUsed, sql`now()`)},
      ${ago(ages.revoked, sql`null`)}, ${ages.revoked === undefined ? null : 'logout'}, gen_random_uuid(), gen_random_uuid(), now()
    from generate_series(1, ${count})`.execute(db)
}

export async function sessionCount (db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('sessions').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow()
  return Number(row.count)
}
