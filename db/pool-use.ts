// How busy a pg pool is (one client, embedded), as metrics report it.
import type pg from 'pg'

// Connections open and idle, and queries waiting for one.
export interface PoolUse {
  total: number
  idle: number
  waiting: number
}

export const poolUseOf = (pool: pg.Pool) => (): PoolUse => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount })
