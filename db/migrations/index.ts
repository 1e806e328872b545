// Every migration, in order. A static list works the same from src/ (tsx) and dist/ (node).
import type { Migration } from 'kysely'
import * as users from './0001-users.js'
import * as sessions from './0002-sessions.js'
import * as books from './0003-books.js'
import * as accountEmail from './0005-account-email.js'
import * as signingKeys from './0006-signing-keys.js'
import * as sessionRetention from './0007-session-retention.js'
import * as securityEvents from './0008-security-events.js'
import * as accountSecurity from './0009-account-security.js'

export const migrations: Record<string, Migration> = {
  '0001-users': users,
  '0002-sessions': sessions,
  '0003-books': books,
  '0005-account-email': accountEmail,
  '0006-signing-keys': signingKeys,
  '0007-session-retention': sessionRetention,
  '0008-security-events': securityEvents,
  '0009-account-security': accountSecurity
}
