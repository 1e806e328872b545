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
