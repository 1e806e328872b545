// Kysely over PostgreSQL or embedded PGlite; migrates on start, closes with the server.
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { PGlite } from '@electric-sql/pglite'
import { connect, type Notifications } from '../../db/connect.js'
import type { PoolUse } from '../../db/pool-use.js'
import { migrateToLatest } from '../../db/migrate.js'
import type { Database } from '../../db/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    // The database's NOTIFY channels (revocations use one).
    notifications: Notifications
    // How busy the connection pool is (metrics).
    databasePoolUse: () => PoolUse
  }
}

export interface DbPluginOptions {
  pglite?: PGlite
}

export default fp<DbPluginOptions>(async function db (fastify, opts) {
  const handle = await connect({
    databaseUrl: fastify.config.DATABASE_URL,
    dataDir: fastify.config.DATA_DIR,
    pglite: opts.pglite,
    onListenerError: (err) => fastify.log.warn({ err }, 'database connection error')
  })
  fastify.addHook('onClose', () => handle.close())
  const applied = await migrateToLatest(handle.db)
  if (applied.length > 0) fastify.log.info({ migrations: applied }, 'migrations applied')
  fastify.decorate('db', handle.db)
  fastify.decorate('notifications', handle.notifications)
  fastify.decorate('databasePoolUse', handle.poolUse)
}, { name: 'db', dependencies: ['env'] })
