// Configuration for command-line tools, validated by the same schema as the server's.
import envSchema from 'env-schema'
import { ConfigSchema, type Config } from './schema.js'
import { ensureEnvFile } from './env-file.js'

export function loadConfig (): Config {
  ensureEnvFile()
  return envSchema<Config>({ schema: ConfigSchema, dotenv: true })
}
