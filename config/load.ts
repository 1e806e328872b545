// Validates configuration with the one schema. The server and the CLIs read the environment
// (into which the preload has read .env); tests pass their values. All of them come through here.
import envSchema from 'env-schema'
import { ConfigSchema, type Config } from './schema.js'

export function parseConfig (values: Record<string, unknown>): Config {
  return envSchema<Config>({ schema: ConfigSchema, data: values, env: false, dotenv: false })
}

export function loadConfig (): Config {
  return parseConfig(process.env)
}
