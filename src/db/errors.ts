// Recognising database errors by their SQLSTATE, the same on pg and PGlite.
function sqlState (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined
}

export function isUniqueViolation (err: unknown): boolean {
  return sqlState(err) === '23505'
}

export function isForeignKeyViolation (err: unknown): boolean {
  return sqlState(err) === '23503'
}
