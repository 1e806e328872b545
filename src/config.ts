// The one definition of Bookly's configuration: @fastify/env validates with it, TypeScript types from it.
import { Type, type Static } from '@sinclair/typebox'

// A plain JSON-schema enum, so a bad value reads "must be equal to one of the allowed values".
function StringEnum<const T extends readonly string[]> (values: T, defaultValue: T[number]) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, default: defaultValue })
}

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  // Empty means "not set": the embedded PGlite database in DATA_DIR is used.
  DATABASE_URL: Type.String({ default: '', pattern: '^(postgres(ql)?://.*)?$' }),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  JWT_SECRET: Type.String({ minLength: 32 }),
  JWT_ALGORITHM: StringEnum(['HS256', 'HS384', 'HS512'], 'HS256'),
  ACCESS_TOKEN_TTL: Type.Integer({ minimum: 1, default: 3600 }),
  REFRESH_TOKEN_TTL: Type.Integer({ minimum: 1, default: 172800 }),
  // Seconds during which a just-rotated refresh token still yields the same successor pair.
  REFRESH_REUSE_WINDOW: Type.Integer({ minimum: 0, default: 10 }),
  SESSION_MAX_AGE: Type.Integer({ minimum: 1, default: 2592000 }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info')
})

export type Config = Static<typeof ConfigSchema>

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}
