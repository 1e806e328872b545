// Validates configuration with the one schema. The server and the CLIs read the environment
// (into which the preload has read .env); tests pass their values. All of them come through here.
import envSchema from 'env-schema'
import { ConfigSchema, metricsPort, type Config } from './schema.js'

export function parseConfig (values: Record<string, unknown>): Config {
  const config = envSchema<Config>({ schema: ConfigSchema, data: values, env: false, dotenv: false })
  checkSessionRetention(config)
  if (Number.isNaN(metricsPort(config))) {
    throw new Error(`METRICS_PORT must be a port number (1-65535), or empty or 0 for no metrics listener; it is "${config.METRICS_PORT}"`)
  }
  return config
}

// A revoked session must outlive its last access token: its revocation is reloaded from the row.
function checkSessionRetention ({ SESSION_RETENTION, ACCESS_TOKEN_TTL }: Config): void {
  if (SESSION_RETENTION < ACCESS_TOKEN_TTL) {
    throw new Error(`SESSION_RETENTION (${SESSION_RETENTION}) must be at least ACCESS_TOKEN_TTL (${ACCESS_TOKEN_TTL}): raise it, or lower ACCESS_TOKEN_TTL`)
  }
}

export function loadConfig (): Config {
  return parseConfig(process.env)
}
