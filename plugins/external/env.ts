// Loads and validates configuration once; everything else reads fastify.config.
import fp from 'fastify-plugin'
import fastifyEnv from '@fastify/env'
import { ConfigSchema, type Config } from '../../config/schema.js'

export interface EnvPluginOptions {
  // Given (tests, tools): used as the whole environment. Absent: .env, then process.env.
  config?: Partial<Config> & Record<string, unknown>
}

export default fp<EnvPluginOptions>(async function env (fastify, opts) {
  await fastify.register(fastifyEnv, opts.config
    ? { schema: ConfigSchema, data: opts.config, env: false, dotenv: false }
    : { schema: ConfigSchema, dotenv: true })
  fastify.log.level = fastify.config.LOG_LEVEL
}, { name: 'env' })
