// @fastify/env: validates the configuration the app was given and decorates fastify.config.
import fp from 'fastify-plugin'
import fastifyEnv from '@fastify/env'
import { ConfigSchema, type Config } from '../../config/schema.js'

export interface EnvPluginOptions {
  // Loaded by server.ts and the CLIs (config/load.ts), built by test/helpers/build-app.ts.
  config: Config
}

export default fp<EnvPluginOptions>(async function env (fastify, opts) {
  await fastify.register(fastifyEnv, { schema: ConfigSchema, data: opts.config, env: false, dotenv: false })
}, { name: 'env' })
