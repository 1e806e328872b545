// Security events: small functions over Kysely, the db (or a transaction) first, so the CLI reuses them.
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database, SecurityEvent, SecurityEventDetail, SecurityEventType } from '../../../db/types.js'
import type { PaginationQuery } from '../../../schemas/pagination.js'

// Where a request came from; the columns' bounds cut what a client sends.
export interface EventOrigin {
  ip?: string | undefined
  userAgent?: string | undefined
  // When it happened, if not now: a login is recorded after its answer.
  at?: Date
}

export interface NewSecurityEvent {
  userUid: string
  type: SecurityEventType
  origin?: EventOrigin
  detail?: SecurityEventDetail
}

const columns = (event: NewSecurityEvent) => ({
  user_uid: event.userUid,
  type: event.type,
  ip: event.origin?.ip?.slice(0, 64) ?? null,
  user_agent: event.origin?.userAgent?.slice(0, 512) ?? null,
  detail: event.detail === undefined ? null : JSON.stringify(event.detail),
  created_at: event.origin?.at ?? new Date()
})

export function createSecurityEventsRepository (db: Kysely<Database>) {
  return {
    async record (event: NewSecurityEvent): Promise<void> {
      await db.insertInto('security_events').values(columns(event)).execute()
    },

    // Newest first; id breaks ties of one instant in the order the events were recorded.
    list (userUid: string, page: PaginationQuery): Promise<SecurityEvent[]> {
      return db.selectFrom('security_events')
        .select([sql<string>`id::text`.as('id'), 'user_uid', 'type', 'ip', 'user_agent', 'detail', 'created_at'])
        .where('user_uid', '=', userUid)
        .orderBy('created_at', 'desc').orderBy('id', 'desc')
        .limit(page.limit).offset(page.offset)
        .execute()
    },

    // Deletes up to `limit` events older than `retention` seconds; returns how many.
    async deleteOlderThan (retention: number, limit: number): Promise<number> {
      const result = await db.deleteFrom('security_events')
        .where('id', 'in', db.selectFrom('security_events').select('id')
          .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${retention})`)
          .limit(limit)
          .forUpdate()
          .skipLocked())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    }
  }
}

export type SecurityEventsRepository = ReturnType<typeof createSecurityEventsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    securityEventsRepository: SecurityEventsRepository
  }
}

export default fp(async function securityEventsRepository (fastify) {
  fastify.decorate('securityEventsRepository', createSecurityEventsRepository(fastify.db))
}, { name: 'security-events-repository', dependencies: ['db'] })
