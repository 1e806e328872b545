import { test } from 'tap'
import { parseConfig } from '../../config/load.js'
import { JWT_ALGORITHMS } from '../../config/schema.js'

const SECRET = 'a'.repeat(32)

// The message a set of values is refused with.
function refusal (values: Record<string, unknown>): string {
  try {
    parseConfig({ JWT_SECRET: SECRET, ...values })
  } catch (err) {
    return (err as Error).message
  }
  throw new Error(`accepted ${JSON.stringify(values)}`)
}

test('an enum names its allowed values', async (t) => {
  t.equal(refusal({ JWT_ALGORITHM: 'RS256' }), 'JWT_ALGORITHM must be one of HS256, HS384, HS512, EdDSA, ES256')
  t.equal(refusal({ JWT_ALGORITHM: 'none' }), `JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')}`)
  t.equal(refusal({ LOG_LEVEL: 'loud' }), 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent')
})

test('each kind of bad value says what the variable must be, without repeating the value', async (t) => {
  t.equal(refusal({ PORT: 'eighty' }), 'PORT must be a whole number')
  t.equal(refusal({ PORT: '70000' }), 'PORT must be <= 65535')
  t.equal(refusal({ LOG_PRETTY: 'yes' }), 'LOG_PRETTY must be true or false')
  t.equal(refusal({ DATABASE_URL: 'mysql://root:hunter2@db/x' }), 'DATABASE_URL must be a postgres:// URL, or empty for the embedded database')
  t.equal(refusal({ PASSWORD_RESET_URL: 'https://app.example.com/reset' }), 'PASSWORD_RESET_URL must be an http(s):// URL containing {token}, or empty')
  t.equal(refusal({ JWT_SECRET: 'hunter2' }), 'JWT_SECRET must be at least 32 characters')
  t.equal(refusal({ JWT_SECRET: undefined }), 'JWT_SECRET is required: at least 32 random characters, e.g. the output of openssl rand -hex 32')
})

test('several problems are reported together, on one line', async (t) => {
  const message = refusal({ PORT: '70000', JWT_ALGORITHM: 'RS256', JWT_SECRET: 'hunter2' })
  t.notMatch(message, /\n/)
  t.match(message, /PORT must be <= 65535/)
  t.match(message, /JWT_ALGORITHM must be one of HS256/)
  t.match(message, /JWT_SECRET must be at least 32 characters/)
  t.notMatch(message, /hunter2|RS256/, 'no value is repeated')
})

test('the password policy settings: a score from 0 to 4, an http(s) breach URL, a positive timeout', async (t) => {
  t.equal(refusal({ PASSWORD_MIN_SCORE: '5' }), 'PASSWORD_MIN_SCORE must be <= 4')
  t.equal(refusal({ PASSWORD_MIN_SCORE: '-1' }), 'PASSWORD_MIN_SCORE must be >= 0')
  t.equal(refusal({ PASSWORD_MIN_SCORE: 'strong' }), 'PASSWORD_MIN_SCORE must be a whole number')
  t.equal(refusal({ PASSWORD_MIN_SCORE: '2.5' }), 'PASSWORD_MIN_SCORE must be a whole number')
  const url = 'PASSWORD_BREACH_URL must be an http(s):// URL to which the 5-character hash prefix is appended, or empty for no breach check'
  for (const bad of ['ftp://example.com/range/', 'api.pwnedpasswords.com/range/', 'https:///range/', 'https://example.com/range/#', 'https://example.com/a b/']) {
    t.equal(refusal({ PASSWORD_BREACH_URL: bad }), url, bad)
  }
  t.equal(refusal({ PASSWORD_BREACH_TIMEOUT: '0' }), 'PASSWORD_BREACH_TIMEOUT must be >= 1')
  t.equal(refusal({ PASSWORD_BREACH_TIMEOUT: 'soon' }), 'PASSWORD_BREACH_TIMEOUT must be a whole number')

  t.match(parseConfig({ JWT_SECRET: SECRET }), { PASSWORD_MIN_SCORE: 3, PASSWORD_BREACH_URL: '', PASSWORD_BREACH_TIMEOUT: 2000 }, 'the defaults')
  const set = { PASSWORD_MIN_SCORE: '0', PASSWORD_BREACH_URL: 'https://api.pwnedpasswords.com/range/', PASSWORD_BREACH_TIMEOUT: '500' }
  t.match(parseConfig({ JWT_SECRET: SECRET, ...set }), { PASSWORD_MIN_SCORE: 0, PASSWORD_BREACH_URL: 'https://api.pwnedpasswords.com/range/', PASSWORD_BREACH_TIMEOUT: 500 })
  t.match(parseConfig({ JWT_SECRET: SECRET, PASSWORD_BREACH_URL: 'http://127.0.0.1:8080/range?prefix=' }), { PASSWORD_BREACH_URL: 'http://127.0.0.1:8080/range?prefix=' },
    'a query the prefix completes')
})
