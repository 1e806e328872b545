// Security events: what the routes call to record them. A login's event also tells whether the
// device is new to the account; if so, that is an event of its own and a mail to the account.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { SecurityEventDetail, SecurityEventType, User } from '../../../db/types.js'
import type { EventOrigin } from './security-events-repository.js'
import { newDeviceMail } from './messages.js'

// Where a request came from, as an event records it.
export const requestOrigin = (request: FastifyRequest): EventOrigin => ({ ip: request.ip, userAgent: request.headers['user-agent'], at: new Date() })

export interface SecurityEvents {
  record (userUid: string, type: SecurityEventType, origin: EventOrigin, detail?: SecurityEventDetail): Promise<void>
  // A successful login; a new device (not the account's first login) is recorded and mailed too.
  login (user: Pick<User, 'uid' | 'email' | 'first_name' | 'username'>, origin: EventOrigin): Promise<void>
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

    async login (user, origin) {
      const history = await events.recordLogin(user.uid, origin)
      // The first login is the one that follows signing up: no news to the account's owner.
      if (history.firstLogin || history.knownDevice) return
      await events.record({ userUid: user.uid, type: 'new_device', origin })
      await outbox.queue('new_device', user.email, newDeviceMail(user, { at: origin.at ?? new Date(), ip: origin.ip, userAgent: origin.userAgent }))
    }
  } satisfies SecurityEvents)
}, { name: 'security-events', dependencies: ['security-events-repository', 'outbox-repository'] })
