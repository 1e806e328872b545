// The one definition of Bookly's configuration: @fastify/env validates with it, TypeScript types from it.
import { availableParallelism } from 'node:os'
import { Type, type Static } from '@sinclair/typebox'

// A plain JSON-schema enum: a bad value is reported with the allowed ones (config/load.ts).
function StringEnum<const T extends readonly string[]> (values: T, defaultValue: T[number]) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, default: defaultValue })
}

const cpus = availableParallelism()

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const KEY_PAIR_ALGORITHMS = ['EdDSA', 'ES256'] as const
export const JWT_ALGORITHMS = [...HMAC_ALGORITHMS, ...KEY_PAIR_ALGORITHMS] as const
export type HmacAlgorithm = typeof HMAC_ALGORITHMS[number]
export type KeyPairAlgorithm = typeof KEY_PAIR_ALGORITHMS[number]
export type JwtAlgorithm = typeof JWT_ALGORITHMS[number]

export const isKeyPairAlgorithm = (alg: string): alg is KeyPairAlgorithm => (KEY_PAIR_ALGORITHMS as readonly string[]).includes(alg)

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  // Empty: the socket's peer address is the client. `true`, or a comma list of proxy addresses/CIDRs to trust.
  TRUST_PROXY: Type.String({ default: '' }),
  // Milliseconds. A request must arrive whole within REQUEST_TIMEOUT and its headers within
  // HEADERS_TIMEOUT (capped at REQUEST_TIMEOUT), or it gets 408; an idle keep-alive connection is
  // closed after KEEP_ALIVE_TIMEOUT (longer than a load balancer's usual 60 s idle timeout).
  REQUEST_TIMEOUT: Type.Integer({ minimum: 1, default: 30_000 }),
  HEADERS_TIMEOUT: Type.Integer({ minimum: 1, default: 10_000 }),
  KEEP_ALIVE_TIMEOUT: Type.Integer({ minimum: 1, default: 72_000 }),
  // Empty means "not set": the embedded PGlite database in DATA_DIR is used.
  DATABASE_URL: Type.String({ default: '', pattern: '^(postgres(ql)?://.*)?$', description: 'a postgres:// URL, or empty for the embedded database' }),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  // Signs tokens under HMAC; with an asymmetric algorithm it encrypts the private keys in the database.
  JWT_SECRET: Type.String({ minLength: 32, description: 'at least 32 random characters, e.g. the output of openssl rand -hex 32' }),
  // HMAC with JWT_SECRET, or (EdDSA, ES256) key pairs kept in the database and published as a JWKS.
  JWT_ALGORITHM: StringEnum(JWT_ALGORITHMS, 'HS256'),
  // Former JWT_SECRETs, comma-separated, each at least 32 characters: their tokens (and private keys) still verify (decrypt).
  JWT_PREVIOUS_SECRETS: Type.String({ default: '', pattern: '^([^,]{32,}(,[^,]{32,})*)?$', description: 'empty, or former secrets separated by commas, each at least 32 characters' }),
  // Seconds a rotated-in key is published before it signs: longer than any JWKS cache holds the key set.
  KEY_PUBLISH_DELAY: Type.Integer({ minimum: 0, default: 900 }),
  ACCESS_TOKEN_TTL: Type.Integer({ minimum: 1, default: 3600 }),
  REFRESH_TOKEN_TTL: Type.Integer({ minimum: 1, default: 172800 }),
  // Seconds during which a just-rotated refresh token still yields the same successor pair.
  REFRESH_REUSE_WINDOW: Type.Integer({ minimum: 0, default: 10 }),
  SESSION_MAX_AGE: Type.Integer({ minimum: 1, default: 2592000 }),
  // Seconds an ended (revoked or expired) session is kept before the sweep deletes it; at least
  // ACCESS_TOKEN_TTL (config/load.ts), so the revocations an access token can still meet stay loadable.
  SESSION_RETENTION: Type.Integer({ minimum: 1, default: 2592000 }),
  SECURITY_EVENT_RETENTION: Type.Integer({ minimum: 1, default: 7776000 }),
  // Seconds between two runs of each retention sweep (sessions, one-time tokens, settled mail).
  RETENTION_SWEEP_INTERVAL: Type.Number({ exclusiveMinimum: 0, default: 3600 }),
  // Prometheus metrics on a listener of their own (GET /metrics); empty or 0: no metrics listener.
  // A string so that an empty line in .env means off: metricsPort() reads it, config/load.ts checks it.
  METRICS_PORT: Type.String({ default: '' }),
  METRICS_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  LOG_PRETTY: Type.Boolean({ default: false }),
  // Comma-separated origins allowed to call the API from a browser; empty: no cross-origin access.
  CORS_ORIGINS: Type.String({ default: '' }),
  // Empty: rate-limit counters live in this process's memory. Set: shared by every instance through Redis.
  REDIS_URL: Type.String({ default: '', pattern: '^(rediss?://.*)?$', description: 'a redis:// or rediss:// URL, or empty' }),
  RATE_LIMIT_NAMESPACE: Type.String({ default: 'bookly-rate-limit:', minLength: 1 }),
  // Requests per IP per window (seconds) on all /api/v1/auth routes together.
  AUTH_RATE_LIMIT: Type.Integer({ minimum: 1, default: 100 }),
  AUTH_RATE_WINDOW: Type.Integer({ minimum: 1, default: 60 }),
  // Failed logins per account (normalised e-mail) per window; the count expires with the window.
  LOGIN_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10 }),
  LOGIN_FAILURE_WINDOW: Type.Integer({ minimum: 1, default: 900 }),
  SIGNUP_RATE_LIMIT: Type.Integer({ minimum: 1, default: 20 }),
  SIGNUP_RATE_WINDOW: Type.Integer({ minimum: 1, default: 3600 }),
  // Per IP per window (seconds) on change_password, and on change_email with a count of its own.
  CHANGE_PASSWORD_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10 }),
  CHANGE_PASSWORD_RATE_WINDOW: Type.Integer({ minimum: 1, default: 900 }),
  // Password hashes computed at once, and the longest expected wait (ms) until a request's hash is
  // done that is still admitted; beyond it, 503 overloaded at once.
  HASH_CONCURRENCY: Type.Integer({ minimum: 1, default: cpus }),
  HASH_MAX_WAIT_MS: Type.Integer({ minimum: 0, default: 2000 }),
  // New passwords (signup, change, reset, user:create) need at least this zxcvbn score: 0 too
  // guessable … 4 very unguessable; 0 turns the strength check off.
  PASSWORD_MIN_SCORE: Type.Integer({ minimum: 0, maximum: 4, default: 3 }),
  // A Have-I-Been-Pwned-style range API (the password's SHA-1 prefix, 5 hex characters, is
  // appended); a new password listed there is refused. Empty: no breach check.
  PASSWORD_BREACH_URL: Type.String({ default: '', pattern: '^(https?://[^/?#\\s]+[^#\\s]*)?$', description: 'an http(s):// URL to which the 5-character hash prefix is appended, or empty for no breach check' }),
  // Milliseconds the breach check may take; later, the password is allowed (and a warning logged).
  PASSWORD_BREACH_TIMEOUT: Type.Integer({ minimum: 1, default: 2000 }),
  // Load shedding: 503 while the event loop lags more than this (ms) or is busier than this share; 0 disables.
  MAX_EVENT_LOOP_DELAY: Type.Integer({ minimum: 0, default: 500 }),
  // Off by default: a server at full throughput with short latencies is busy, not overloaded.
  MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  // Seconds since the login behind an access token within which it may change the password or the
  // e-mail address, turn two-factor off or end other sessions (step-up); older: 401 recent_login_required.
  STEP_UP_MAX_AGE: Type.Integer({ minimum: 1, default: 300 }),
  // Seconds the ticket that a right password earns (with two-factor on) may be exchanged for tokens.
  MFA_TICKET_TTL: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
  // The issuer an authenticator app shows beside the account.
  TOTP_ISSUER: Type.String({ default: 'Bookly', minLength: 1, maxLength: 40, pattern: '^[^:]+$', description: 'a name without a colon, at most 40 characters' }),
  // true: an unverified account with the right password gets 403 email_not_verified at login.
  REQUIRE_VERIFIED_EMAIL: Type.Boolean({ default: false }),
  // One-time link lifetimes, seconds (fractions allowed).
  EMAIL_VERIFICATION_TTL: Type.Number({ exclusiveMinimum: 0, default: 86400 }),
  PASSWORD_RESET_TTL: Type.Number({ exclusiveMinimum: 0, default: 3600 }),
  EMAIL_CHANGE_TTL: Type.Number({ exclusiveMinimum: 0, default: 3600 }),
  // Empty: each message is written as an .eml file under DATA_DIR/outbox/ instead of being sent.
  SMTP_URL: Type.String({ default: '', pattern: '^(smtps?://.+)?$', description: 'an smtp:// or smtps:// URL, or empty for .eml files' }),
  MAIL_FROM: Type.String({ default: 'Bookly <bookly@localhost>', minLength: 3 }),
  // Where links in mails point; empty: http://HOST:PORT.
  PUBLIC_URL: Type.String({ default: '', pattern: '^(https?://[^/?#]+(/[^?#]*)?)?$', description: 'an http(s):// URL without query or fragment, or empty' }),
  // The reset link, when an application has its own page: a URL containing {token}. Empty: Bookly's /reset-password.
  PASSWORD_RESET_URL: Type.String({ default: '', pattern: '^(https?://.*\\{token\\}.*)?$', description: 'an http(s):// URL containing {token}, or empty' }),
  // Delivery attempts per message before it is marked failed; the first retry waits MAIL_RETRY_DELAY
  // seconds and each later one twice as long as the one before (at most an hour).
  MAIL_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 10 }),
  MAIL_RETRY_DELAY: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  // resend_verification and password-reset-request together, per address and per IP per window (seconds).
  MAIL_REQUESTS_PER_ADDRESS: Type.Integer({ minimum: 1, default: 3 }),
  MAIL_REQUESTS_PER_IP: Type.Integer({ minimum: 1, default: 20 }),
  MAIL_REQUEST_WINDOW: Type.Integer({ minimum: 1, default: 900 })
})

export type Config = Static<typeof ConfigSchema>

// The metrics listener's port; 0 when there is none, NaN when METRICS_PORT is no port number.
export function metricsPort ({ METRICS_PORT }: Pick<Config, 'METRICS_PORT'>): number {
  const value = METRICS_PORT.trim()
  if (value === '') return 0
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  return port <= 65535 ? port : Number.NaN
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}
