// Revoked session ids, held in memory so checking an access token costs no database round trip.
// Loaded at start and after every listener reconnect; kept current on every instance by the
// `session_revoked` NOTIFY that a trigger sends for each revocation, whoever made it.
import fp from 'fastify-plugin'
import { REVOCATION_REASONS, type RevocationReason } from '../../../db/types.js'
import { AppError } from '../http/errors.js'

const REVOCATION_CHANNEL = 'session_revoked'
// Allowance for clocks of instances and database that differ a little.
const SKEW_MS = 60_000

export interface Revocations {
  // Why the session was revoked, or undefined while it is live.
  reasonFor (sid: string): RevocationReason | undefined
  add (sid: string, reason: RevocationReason): void
  readonly size: number
}

declare module 'fastify' {
  interface FastifyInstance {
    revocations: Revocations
  }
}

// The answer to a token of a revoked session. A deleted user's session is gone for good: its
// tokens are simply invalid.
export function revokedError (reason: RevocationReason): AppError {
  return new AppError(reason === 'user_deleted' ? 'invalid_token' : 'token_revoked')
}

// A reason from the database (a row or a NOTIFY payload); one this version does not know still revokes.
function asReason (value: string | null | undefined): RevocationReason {
  return REVOCATION_REASONS.find((reason) => reason === value) ?? 'logout'
}

export default fp(async function revocations (fastify) {
  // A revoked session only matters until the last access token it issued has expired.
  const keepMs = fastify.config.ACCESS_TOKEN_TTL * 1000 + SKEW_MS
  const revoked = new Map<string, { reason: RevocationReason, until: number }>()

  const add = (sid: string, reason: RevocationReason, at = Date.now()) => {
    revoked.set(sid, { reason, until: at + keepMs })
  }

  const reload = async () => {
    const rows = await fastify.sessionsRepository.revokedSince(keepMs / 1000)
    for (const row of rows) add(row.id, asReason(row.revoked_reason), row.revoked_at?.getTime())
    fastify.log.debug({ count: rows.length }, 'revoked sessions loaded')
  }

  const unlisten = await fastify.notifications.listen(REVOCATION_CHANNEL, (payload) => {
    const [sid, reason] = payload.split(':')
    if (sid) add(sid, asReason(reason))
  }, reload)

  const prune = setInterval(() => {
    const now = Date.now()
    for (const [sid, entry] of revoked) if (entry.until < now) revoked.delete(sid)
  }, 60_000)
  prune.unref()

  fastify.addHook('onClose', async () => {
    clearInterval(prune)
    await unlisten()
  })

  fastify.decorate('revocations', {
    reasonFor: (sid: string) => revoked.get(sid)?.reason,
    add: (sid: string, reason: RevocationReason) => add(sid, reason),
    get size () { return revoked.size }
  })
}, { name: 'revocations', dependencies: ['env', 'db', 'sessions-repository'] })
