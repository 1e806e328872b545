// Login sessions (token families): small functions over Kysely.
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { AuthMethod, Database, LoginAuth, RevocationReason, SessionOwner, TokenPairIds } from '../../../db/types.js'

export interface SessionRules {
  // Seconds without a refresh after which a session can no longer be refreshed (REFRESH_TOKEN_TTL).
  idleTtl: number
}

// A token pair as the session records it: its ids and the key that signed it (null under HMAC).
export type SignedPair = TokenPairIds & { signingKid: string | null }

// What the account's earlier sessions (kept for SESSION_RETENTION after they end) say of a login.
export interface LoginHistory {
  firstLogin: boolean
  // A session from the same user agent, as sent.
  knownDevice: boolean
}

const secondsAgo = (seconds: number) => sql<Date>`now() - make_interval(secs => ${seconds})`

// The session's login as its tokens carry it (sessions.auth_time, sessions.amr).
export function loginAuth (row: { auth_time: Date, amr: string }): LoginAuth {
  return { authTime: Math.floor(row.auth_time.getTime() / 1000), amr: row.amr.split(' ') as AuthMethod[] }
}

export function createSessionsRepository (db: Kysely<Database>, { idleTtl }: SessionRules) {
  // The one rule for a session that has not run out: before its absolute expiry, and refreshed
  // within the idle limit. (Revocation is the other way a session ends.)
  const unexpired = sql<boolean>`(sessions.expires_at > now() and sessions.last_used_at > ${secondsAgo(idleTtl)})`

  return {
    // Opens the session only if its owner still is as the caller read them: enabled, with the role
    // the tokens will carry. The user row is share-locked, so an admin's change either lands before
    // (no session) or after it (and then ends it with the others). undefined when the account changed.
    // The same statement records the login as a security event and reads the account's earlier
    // sessions, which the statement's snapshot holds without this one: a login costs no more statements.
    async open (input: { id: string, owner: SessionOwner, login: LoginAuth, maxAge: number, userAgent?: string, ip?: string } & SignedPair): Promise<LoginHistory | undefined> {
      const userAgent = input.userAgent?.slice(0, 512) ?? null
      const ip = input.ip?.slice(0, 64) ?? null
      const earlier = db.selectFrom('sessions').select(sql.lit(1).as('one')).where('user_uid', '=', input.owner.uid)
      const row = await db.with('opened', (qb) => qb.insertInto('sessions')
        .columns(['id', 'user_uid', 'expires_at', 'user_agent', 'ip', 'refresh_jti', 'access_jti', 'issued_at', 'signing_kid', 'auth_time', 'amr'])
        .expression(db.selectFrom('users')
          .select([
            sql<string>`${input.id}::uuid`.as('id'),
            'uid',
            sql<Date>`now() + make_interval(secs => ${input.maxAge})`.as('expires_at'),
            sql<string | null>`${userAgent}::varchar`.as('user_agent'),
            sql<string | null>`${ip}::varchar`.as('ip'),
            sql<string>`${input.refreshJti}::uuid`.as('refresh_jti'),
            sql<string>`${input.accessJti}::uuid`.as('access_jti'),
            sql<Date>`${new Date(input.issuedAt * 1000)}::timestamptz`.as('issued_at'),
            sql<string | null>`${input.signingKid}::varchar`.as('signing_kid'),
            sql<Date>`${new Date(input.login.authTime * 1000)}::timestamptz`.as('auth_time'),
            sql<string>`${input.login.amr.join(' ')}::varchar`.as('amr')
          ])
          .where('uid', '=', input.owner.uid)
          .where('disabled_at', 'is', null)
          .where('role', '=', input.owner.role)
          .forShare())
        .returning(['user_uid', 'created_at']))
        .with('event', (qb) => qb.insertInto('security_events')
          .columns(['user_uid', 'type', 'ip', 'user_agent', 'created_at'])
          .expression((eb) => eb.selectFrom('opened').select([
            sql<string>`opened.user_uid`.as('user_uid'),
            sql<'login'>`'login'`.as('type'),
            sql<string | null>`${ip}::varchar`.as('ip'),
            sql<string | null>`${userAgent}::varchar`.as('user_agent'),
            'opened.created_at'
          ])))
        .selectFrom('opened')
        .select((eb) => [
          eb.not(eb.exists(earlier)).as('first_login'),
          eb.exists(earlier.where(sql<boolean>`user_agent is not distinct from ${userAgent}::varchar`)).as('known_device')
        ])
        .executeTakeFirst()
      return row === undefined ? undefined : { firstLogin: row.first_login === true, knownDevice: row.known_device === true }
    },

    // The whole rotation is this one conditional UPDATE: of any number of concurrent
    // refreshes with the same token, exactly one matches refresh_jti and wins.
    rotate (input: { sid: string, presentedJti: string } & SignedPair): Promise<(SessionOwner & { auth_time: Date, amr: string }) | undefined> {
      return db.updateTable('sessions')
        .from('users')
        .set({
          previous_refresh_jti: sql.ref('sessions.refresh_jti'),
          refresh_jti: input.refreshJti,
          access_jti: input.accessJti,
          issued_at: new Date(input.issuedAt * 1000),
          signing_kid: input.signingKid,
          rotated_at: sql`now()`,
          last_used_at: sql`now()`
        })
        .whereRef('users.uid', '=', 'sessions.user_uid')
        .where('sessions.id', '=', input.sid)
        .where('sessions.refresh_jti', '=', input.presentedJti)
        .where('sessions.revoked_at', 'is', null)
        .where(unexpired)
        .returning(['users.uid', 'users.email', 'users.role', 'sessions.auth_time', 'sessions.amr'])
        .executeTakeFirst()
    },

    // The session as the refresh endpoint needs it when rotation did not match.
    findForRefresh (sid: string, reuseWindow: number) {
      return db.selectFrom('sessions')
        .leftJoin('users', 'users.uid', 'sessions.user_uid')
        .select([
          'sessions.revoked_reason', 'sessions.revoked_at', 'sessions.refresh_jti', 'sessions.access_jti',
          'sessions.issued_at', 'sessions.previous_refresh_jti', 'sessions.auth_time', 'sessions.amr',
          'users.uid', 'users.email', 'users.role',
          sql<boolean>`sessions.rotated_at > ${secondsAgo(reuseWindow)}`.as('in_reuse_window'),
          sql<boolean>`not ${unexpired}`.as('expired')
        ])
        .where('sessions.id', '=', sid)
        .executeTakeFirst()
    },

    // Revokes live sessions and returns their ids. `except` keeps the caller's own; `signingKid`
    // picks the sessions whose current tokens that key signed.
    async revoke (where: { sid?: string, userUid?: string, except?: string, signingKid?: string }, reason: RevocationReason): Promise<string[]> {
      let query = db.updateTable('sessions')
        .set({ revoked_at: sql`now()`, revoked_reason: reason })
        .where('revoked_at', 'is', null)
      if (where.sid !== undefined) query = query.where('id', '=', where.sid)
      if (where.userUid !== undefined) query = query.where('user_uid', '=', where.userUid)
      if (where.except !== undefined) query = query.where('id', '!=', where.except)
      if (where.signingKid !== undefined) query = query.where('signing_kid', '=', where.signingKid)
      const rows = await query.returning('id').execute()
      return rows.map((row) => row.id)
    },

    listLive (userUid: string) {
      return db.selectFrom('sessions')
        .select(['id', 'created_at', 'last_used_at', 'expires_at', 'user_agent', 'ip'])
        .where('user_uid', '=', userUid)
        .where('revoked_at', 'is', null)
        .where(unexpired)
        .orderBy('created_at', 'desc')
        .execute()
    },

    // Deletes up to `limit` sessions that ended (revoked, past their absolute expiry, or idle past
    // the limit) more than `retention` seconds ago. Rows locked by a refresh or a revocation are
    // skipped, so the sweep never waits on (or holds up) a request.
    async deleteEnded (retention: number, limit: number): Promise<number> {
      const result = await db.deleteFrom('sessions')
        .where('id', 'in', db.selectFrom('sessions').select('id')
          .where((eb) => eb.or([
            eb('revoked_at', '<', secondsAgo(retention)),
            eb('expires_at', '<', secondsAgo(retention)),
            eb('last_used_at', '<', secondsAgo(retention + idleTtl))
          ]))
          .limit(limit)
          .forUpdate()
          .skipLocked())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    // Revocations young enough that an access token of that session may still be unexpired.
    revokedSince (seconds: number) {
      return db.selectFrom('sessions')
        .select(['id', 'revoked_reason', 'revoked_at'])
        .where('revoked_at', '>', secondsAgo(seconds))
        .execute()
    }
  }
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    sessionsRepository: SessionsRepository
  }
}

export default fp(async function sessionsRepository (fastify) {
  fastify.decorate('sessionsRepository', createSessionsRepository(fastify.db, { idleTtl: fastify.config.REFRESH_TOKEN_TTL }))
}, { name: 'sessions-repository', dependencies: ['env', 'db'] })
