// Validates configuration with the one schema. The server and the CLIs read the environment
// (into which the preload has read .env); tests pass their values. All of them come through here.
import envSchema from 'env-schema'
import type { ErrorObject } from 'ajv'
import { ConfigSchema, metricsPort, type Config } from './schema.js'

// What a variable's schema says about it, for the messages below.
interface SettingSchema {
  type?: string
  description?: string
}

const settingSchema = (name: string): SettingSchema =>
  (ConfigSchema.properties as Record<string, SettingSchema | undefined>)[name] ?? {}

const typeNames: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  string: 'text'
}

// One problem as the operator can act on it: the variable, then what it must be. Values are never
// repeated (the variable may hold a secret).
function describe (error: ErrorObject): string {
  const name = error.instancePath.slice(1) || String(error.params.missingProperty ?? '')
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return `${name} is required: ${settingSchema(name).description ?? 'set it in .env or the environment'}`
    case 'enum':
      return `${name} must be one of ${(params.allowedValues as unknown[]).join(', ')}`
    case 'type':
      return `${name} must be ${typeNames[String(params.type)] ?? String(params.type)}`
    case 'minLength':
      return `${name} must be at least ${String(params.limit)} characters`
    case 'pattern':
      return `${name} must be ${settingSchema(name).description ?? `text matching ${String(params.pattern)}`}`
    default:
      return `${name} ${error.message ?? 'is invalid'}`
  }
}

export function parseConfig (values: Record<string, unknown>): Config {
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data: values, env: false, dotenv: false })
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors
    if (errors === undefined || errors.length === 0) throw err
    throw new Error(errors.map(describe).join('; '))
  }
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
