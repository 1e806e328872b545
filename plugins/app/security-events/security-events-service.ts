// Security events: what the routes call to record them. A login's own event is written with its
// session (sessions-repository.ts); a device new to the account is an event of its own and a mail.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { SecurityEventDetail, SecurityEventType, User } from '../../../db/types.js'
import type { LoginHistory } from '../sessions/sessions-repository.js'
import type { EventOrigin } from './security-events-repository.js'
import { newDeviceMail } from './messages.js'

// Where a request came from, as an event records it.
export const requestOrigin = (request: FastifyRequest): EventOrigin => ({ ip: request.ip, userAgent: request.headers['user-agent'], at: new Date() })

export interface SecurityEvents {
  record (userUid: string, type: SecurityEventType, origin: EventOrigin, detail?: SecurityEventDetail): Promise<void>
  // After a successful login: a new device (not on the account's first login) is recorded and mailed.
  loggedIn (user: Pick<User, 'uid' | 'email' | 'first_name' | 'username'>, origin: EventOrigin, history: LoginHistory): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    securityEvents: SecurityEvents
  }
}

export default fp(async function securityEvents (fastify) {
  const { securityEventsRepository: events, outboxRepository: outbox } = fastify

  fastify.decorate('securityEvents', {
    record: (userUid, type, origin, detail) => events.record({ userUid, type, origin, ...(detail === undefined ? {} : { detail }) }),

    async loggedIn (user, origin, history) {
      // The first login is the one that follows signing up: no news to the account's owner.
      if (history.firstLogin || history.knownDevice) return
      // Listed after the login it follows, whose event the database timed.
      await events.record({ userUid: user.uid, type: 'new_device', origin: { ip: origin.ip, userAgent: origin.userAgent } })
      await outbox.queue('new_device', user.email, newDeviceMail(user, origin))
    }
  } satisfies SecurityEvents)
}, { name: 'security-events', dependencies: ['security-events-repository', 'outbox-repository'] })
