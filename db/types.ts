// Row types of every table, as Kysely sees them.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { KeyPairAlgorithm } from '../config/schema.js'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

// The values of users.role (its check constraint): one list for the schemas, the guards and the CLI.
export const ROLES = ['user', 'admin'] as const
export type Role = typeof ROLES[number]

// Why a session ended (sessions.revoked_reason). The delete trigger writes 'user_deleted' itself.
export const REVOCATION_REASONS = [
  'logout', 'ended_by_user', 'refresh_token_reused', 'password_changed', 'password_reset', 'role_changed', 'user_disabled',
  'user_deleted', 'key_revoked', 'email_changed'
] as const
export type RevocationReason = typeof REVOCATION_REASONS[number]

export interface UsersTable {
  uid: Generated<string>
  username: string
  first_name: string
  last_name: string
  email: string
  password_hash: string
  role: ColumnType<Role, Role | undefined, Role>
  is_verified: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Timestamp
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  books: BooksTable
  account_tokens: AccountTokensTable
  mail_outbox: MailOutboxTable
  signing_keys: SigningKeysTable
  security_events: SecurityEventsTable
  two_factor: TwoFactorTable
  recovery_codes: RecoveryCodesTable
  mfa_tickets: MfaTicketsTable
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>

export interface SessionsTable {
  id: string
  user_uid: string | null
  created_at: Generated<Date>
  last_used_at: Generated<Date>
  expires_at: Date
  revoked_at: Date | null
  revoked_reason: RevocationReason | null
  user_agent: string | null
  ip: string | null
  refresh_jti: string
  access_jti: string
  issued_at: Date
  previous_refresh_jti: string | null
  rotated_at: Date | null
  // The signing key (kid) of the current token pair; null under HMAC.
  signing_kid: ColumnType<string | null, string | null | undefined, string | null>
  // The login that opened the session: when, and by which methods (AMR values, space-separated).
  auth_time: ColumnType<Date, Date | string | undefined, Date | string>
  amr: ColumnType<string, string | undefined, string>
}

export type Session = Selectable<SessionsTable>

// How a login was made (RFC 8176 values): password, one-time code, recovery code; mfa with a second factor.
export const AMR_VALUES = ['pwd', 'otp', 'rec', 'mfa'] as const
export type AuthMethod = typeof AMR_VALUES[number]

// What the access token says of the login behind its session.
export interface LoginAuth {
  // Seconds since the epoch.
  authTime: number
  amr: AuthMethod[]
}

// Who a session (and its tokens) belongs to, as the tokens carry it.
export type SessionOwner = Pick<User, 'uid' | 'email' | 'role'>

// The current token pair of a session, recognised by its jtis; issuedAt (seconds) is the pair's iat.
export interface TokenPairIds {
  accessJti: string
  refreshJti: string
  issuedAt: number
}

export interface BooksTable {
  uid: Generated<string>
  title: string
  author: string
  publisher: string
  // Written as 'YYYY-MM-DD'; read through the books repository, which formats it in SQL
  // (pg would otherwise turn a date into a Date at local midnight).
  published_date: string
  page_count: number
  language: string
  user_uid: string
  created_at: Generated<Date>
  updated_at: Timestamp
}

export type Book = Selectable<BooksTable>
export type NewBook = Insertable<BooksTable>
export type BookUpdate = Updateable<BooksTable>

// What a one-time account token is for (account_tokens.purpose, its check constraint).
export const TOKEN_PURPOSES = ['verify_email', 'password_reset', 'email_change'] as const
export type TokenPurpose = typeof TOKEN_PURPOSES[number]

export interface AccountTokensTable {
  // SHA-256 of the token; the token itself is only ever in the mail.
  token_hash: Buffer
  purpose: TokenPurpose
  user_uid: string
  email: string
  created_at: Generated<Date>
  expires_at: Date
  used_at: Date | null
  voided_at: Date | null
}

export interface MailOutboxTable {
  id: Generated<string>
  kind: string
  recipient: string
  // null once the message was sent or given up on.
  subject: string | null
  text_body: string | null
  html_body: string | null
  created_at: Generated<Date>
  attempts: Generated<number>
  next_attempt_at: Generated<Date>
  sent_at: Date | null
  failed_at: Date | null
  last_error: string | null
}

export type OutboxMessage = Selectable<MailOutboxTable>

// The life of a signing key (signing_keys.state): published while next, current or previous;
// only the current one signs; retired and revoked keys neither verify nor are published.
export const KEY_STATES = ['next', 'current', 'previous', 'retired', 'revoked'] as const
export type KeyState = typeof KEY_STATES[number]

export interface SigningKeysTable {
  kid: string
  alg: KeyPairAlgorithm
  // The public key as JSON text of a JWK (PublicJwk), as the JWKS publishes it.
  public_jwk: string
  // The PKCS#8 private key, AES-256-GCM under a key derived from JWT_SECRET (plugins/app/keys/sealing.ts).
  private_key: string
  state: KeyState
  state_at: Generated<Date>
  // When a next key starts signing.
  activates_at: Date | null
  created_at: Generated<Date>
}

export interface PublicJwk {
  kty: 'OKP' | 'EC'
  crv: string
  x: string
  y?: string
}

export type SigningKey = Selectable<SigningKeysTable>
export type NewSigningKey = Insertable<SigningKeysTable>

// What a security event records (security_events.type, its check constraint).
export const SECURITY_EVENT_TYPES = [
  'login', 'login_failed', 'new_device', 'password_changed', 'password_reset', 'two_factor_enabled',
  'two_factor_disabled', 'recovery_code_used', 'sessions_revoked', 'role_changed', 'account_disabled', 'account_enabled',
  'recovery_codes_regenerated', 'email_change_requested', 'email_changed'
] as const
export type SecurityEventType = typeof SECURITY_EVENT_TYPES[number]

// A few facts about an event, e.g. { scope: 'others', sessions: 2 } or { from: 'user', to: 'admin' }.
export type SecurityEventDetail = Record<string, string | number | boolean>

export interface SecurityEventsTable {
  // bigint: pg hands it over as text.
  id: Generated<string>
  user_uid: string
  type: SecurityEventType
  ip: string | null
  user_agent: string | null
  detail: ColumnType<SecurityEventDetail | null, string | null | undefined, string | null>
  created_at: Generated<Date>
}

export type SecurityEvent = Selectable<SecurityEventsTable>

export interface TwoFactorTable {
  user_uid: string
  // The TOTP secret, sealed (plugins/app/two-factor/sealing.ts); never sent after enrolment.
  secret: string
  // null while the enrolment waits for its first code.
  enabled_at: Date | null
  // The time step of the last code accepted; bigint, so pg hands it over as text.
  last_step: ColumnType<string | null, string | number | null | undefined, string | number | null>
  created_at: Generated<Date>
}

export type TwoFactor = Selectable<TwoFactorTable>

export interface RecoveryCodesTable {
  user_uid: string
  // SHA-256 of the code in its canonical form.
  code_hash: Buffer
  used_at: Date | null
  created_at: Generated<Date>
}

export interface MfaTicketsTable {
  // SHA-256 of the ticket; the ticket itself is only in the login's answer.
  ticket_hash: Buffer
  user_uid: string
  created_at: Generated<Date>
  expires_at: Date
  used_at: Date | null
  failed_attempts: Generated<number>
}
