// Recognising database errors by their SQLSTATE, the same on pg and PGlite, and hearing pg's own.
import type pg from 'pg'

// A failed connection fails the query in flight; pg then also emits 'error', on the pool when the
// client is idle and on the client itself when it is checked out, and with no listener attached
// either one would end the process. Both go to onError instead.
export function reportPoolErrors (pool: pg.Pool, onError?: (err: Error) => void): void {
  const report = (err: Error) => onError?.(err)
  pool.on('error', report)
  pool.on('connect', (client) => client.on('error', report))
}

function sqlState (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined
}

export function isUniqueViolation (err: unknown): boolean {
  return sqlState(err) === '23505'
}

// Socket failures, and the server refusing or dropping connections (SQLSTATE class 08, and
// 57P01-57P03: shutting down, crashed, starting up).
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03'])
// pg's own messages for a connection that closed or never opened in time.
const CONNECTION_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection timeout)/

// The database is unreachable: nothing the request did wrong, and it heals once the server is back.
export function isConnectionError (err: unknown): boolean {
  const code = sqlState(err)
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true
  if (err instanceof AggregateError) return err.errors.some(isConnectionError)
  return err instanceof Error && CONNECTION_MESSAGES.test(err.message)
}

// DATABASE_URL as a log line or an error may show it: user, host, port and database, never the
// password (nor the query string, which may carry one).
export function redactedDatabaseUrl (connectionString: string): string {
  try {
    const url = new URL(connectionString)
    const user = url.username ? `${url.username}@` : ''
    return `${url.protocol}//${user}${url.host}${url.pathname}`
  } catch {
    return 'DATABASE_URL (not a valid URL)'
  }
}

// Why the first connection failed, in words an operator can act on.
function connectFailure (err: unknown): string {
  const code = sqlState(err)
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof AggregateError && err.errors.length > 0) return connectFailure(err.errors[0])
  if (code === 'ECONNREFUSED') return 'is unreachable: connection refused (is PostgreSQL running on that host and port?)'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'is unreachable: host not found'
  if (code === '28P01' || code === '28000') return `refused the login: ${message} (check the user and password)`
  if (code === '3D000') return `is unusable: ${message} (create it, or fix the name)`
  if (isConnectionError(err)) return `is unreachable: ${message || code || 'no connection'}`
  return `is unusable: ${message}`
}

// The error a start (or a command) stops with when DATABASE_URL cannot be used.
export function unreachableDatabase (connectionString: string, err: unknown): Error {
  return new Error(`DATABASE_URL ${redactedDatabaseUrl(connectionString)} ${connectFailure(err)}`)
}
