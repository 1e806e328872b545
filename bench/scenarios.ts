// The bench's scenarios (how each is driven, its baseline, its target), written once here for run.ts and report.ts.
import { emailBody, loginBody, newEmail, PASSWORD, signupBody } from './fixtures.js'

// What the runner has made before the load starts, on each service: one account and its access token.
export interface Fixtures {
  email: string
  access: string
}

// Connection counts the runner sets (BENCH_CONNECTIONS, BENCH_VERIFY_CONNECTIONS, BENCH_HASH_CONNECTIONS,
// BENCH_BURST, BENCH_OVERLOAD_CONNECTIONS): HTTP-bound, the token check and its baselines (as many
// connections as issue 22 asks of it), argon2-bound, half the argon2-bound count for each of two
// scenarios driven at once, requests sent at the same moment, and enough connections to offer a
// rate far above what the service can hash.
export type Connections = 'http' | 'verify' | 'hash' | 'half of hash' | 'burst' | 'overload'

// The service as configured (HS256), the same build signing with an EdDSA key pair, the bare route
// with the service's server options and security headers, and a bare Fastify with no logger.
export type Server = 'service' | 'service (EdDSA)' | 'baseline' | 'baseline (no logger)'

export interface HttpDrive {
  kind: 'http'
  server: Server
  method: 'GET' | 'POST'
  path: string
  connections: Connections
  // Any other status counts as an error.
  status: number
  // `Authorization: Bearer`: the account's access token, or the refresh token the previous response
  // returned (every refresh rotates, so a token serves once).
  token?: 'access' | 'chained refresh'
  // One body for every request, or a new one per request.
  body?: (fixtures: Fixtures) => string
  bodyPerRequest?: () => string
  // Books the account owns before the load; a build without the books API reports "not available".
  books?: number
  // One request per connection, all sent at once, instead of a load for the run's duration.
  once?: boolean
  // An open-loop rate, `times` the req/s of the latest run of the scenario `of`; 503 `overloaded`
  // answers are then counted as shed, not as errors.
  rate?: { times: number, of: string }
}

// Raw argon2 loops at the service's parameters, one per connection.
export interface Argon2Drive {
  kind: 'argon2'
  mode: 'hash' | 'verify'
  connections: Connections
}

// Logins at a service of its own (its own database) that sweeps `endedSessions` sessions, ended
// long ago and put in its table before it starts, from its first second (RETENTION_SWEEP_INTERVAL);
// none: the same service with nothing to sweep. Run once, whatever BENCH_REPEAT says: the sweep
// empties the table.
export interface SweepDrive {
  kind: 'login while sweeping'
  endedSessions: number
  connections: Connections
}

// No load of its own: the service's peak RSS while another scenario runs.
export interface PeakRssDrive {
  kind: 'peak rss'
  during: string
}

export type Target =
  // Run alternately with `against`; the median of the paired req/s ratios, and every request of
  // every run answered with the scenario's status (no 503).
  | { kind: 'throughput', against: string, atLeast: number }
  // Driven at the same time as `against`; how far the two p50s differ, over the smaller.
  | { kind: 'p50 spread', against: string, atMost: number }
  // Medians of req/s and p99 beside those of `against`, without a verdict.
  | { kind: 'report', against: string }
  // Its p99 over the median p99 of `against`, at most this factor.
  | { kind: 'p99 ratio', against: string, atMost: number }
  | { kind: 'peak rss', belowMb: number }
  // Every request answered with the scenario's status in every run; p99 reported.
  | { kind: 'all served' }
  // Run alternately with `against` (raw hashing): some requests shed, the admitted ones' p99 within
  // the service's HASH_MAX_WAIT_MS plus `p99Hashes` hash times (the raw baseline's threads over its
  // req/s), and the median paired goodput ratio at least `goodputAtLeast`.
  | { kind: 'overload', against: string, goodputAtLeast: number, p99Hashes: number }

export interface Scenario {
  name: string
  drive: HttpDrive | Argon2Drive | SweepDrive | PeakRssDrive
  target?: Target
  // Another scenario run alternately with this one too, whose paired req/s ratio is shown for context.
  alsoAgainst?: string
}

// In the order of the printed table; the runner runs a baseline in its scenario's turn.
export const scenarios: Scenario[] = [
  {
    name: 'bare Fastify route + security headers (baseline)',
    drive: { kind: 'http', server: 'baseline', method: 'GET', path: '/', connections: 'verify', status: 200 }
  },
  {
    name: 'bare Fastify, no logger (context)',
    drive: { kind: 'http', server: 'baseline (no logger)', method: 'GET', path: '/', connections: 'verify', status: 200 }
  },
  {
    name: 'GET /auth/verify',
    drive: { kind: 'http', server: 'service', method: 'GET', path: '/api/v1/auth/verify', token: 'access', connections: 'verify', status: 200 },
    target: { kind: 'throughput', against: 'bare Fastify route + security headers (baseline)', atLeast: 0.9 },
    alsoAgainst: 'bare Fastify, no logger (context)'
  },
  {
    name: 'GET /auth/verify, EdDSA',
    drive: { kind: 'http', server: 'service (EdDSA)', method: 'GET', path: '/api/v1/auth/verify', token: 'access', connections: 'verify', status: 200 },
    target: { kind: 'report', against: 'GET /auth/verify' }
  },
  {
    name: 'raw argon2 verify (baseline)',
    drive: { kind: 'argon2', mode: 'verify', connections: 'hash' }
  },
  {
    name: 'login, correct password',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/login', body: ({ email }) => loginBody(email), connections: 'hash', status: 200 },
    target: { kind: 'throughput', against: 'raw argon2 verify (baseline)', atLeast: 0.85 }
  },
  {
    name: 'login, 50 at once',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/login', body: ({ email }) => loginBody(email), connections: 'burst', once: true, status: 200 },
    target: { kind: 'all served' }
  },
  {
    name: 'login, 3× capacity offered',
    drive: {
      kind: 'http',
      server: 'service',
      method: 'POST',
      path: '/api/v1/auth/login',
      body: ({ email }) => loginBody(email),
      connections: 'overload',
      rate: { times: 3, of: 'raw argon2 verify (baseline)' },
      status: 200
    },
    target: { kind: 'overload', against: 'raw argon2 verify (baseline)', goodputAtLeast: 0.85, p99Hashes: 2 }
  },
  {
    name: 'login, nothing to sweep (baseline)',
    drive: { kind: 'login while sweeping', endedSessions: 0, connections: 'hash' }
  },
  {
    name: 'login while a million ended sessions are swept',
    drive: { kind: 'login while sweeping', endedSessions: 1_000_000, connections: 'hash' },
    target: { kind: 'p99 ratio', against: 'login, nothing to sweep (baseline)', atMost: 1.5 }
  },
  {
    name: 'raw argon2 hash (baseline)',
    drive: { kind: 'argon2', mode: 'hash', connections: 'hash' }
  },
  {
    name: 'signup, new e-mail',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/signup', bodyPerRequest: () => signupBody(newEmail('s')), connections: 'hash', status: 201 },
    target: { kind: 'throughput', against: 'raw argon2 hash (baseline)', atLeast: 0.8 }
  },
  {
    name: 'login, unknown e-mail',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/login', body: () => loginBody(newEmail('nobody')), connections: 'half of hash', status: 403 }
  },
  {
    name: 'login, wrong password',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/login', body: ({ email }) => loginBody(email, `${PASSWORD}!`), connections: 'half of hash', status: 403 },
    target: { kind: 'p50 spread', against: 'login, unknown e-mail', atMost: 0.1 }
  },
  {
    name: 'reset request, unknown e-mail',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/password-reset-request', body: () => emailBody(newEmail('nobody')), connections: 'half of hash', status: 200 }
  },
  {
    name: 'reset request, known e-mail',
    drive: { kind: 'http', server: 'service', method: 'POST', path: '/api/v1/auth/password-reset-request', body: ({ email }) => emailBody(email), connections: 'half of hash', status: 200 },
    target: { kind: 'p50 spread', against: 'reset request, unknown e-mail', atMost: 0.1 }
  },
  {
    name: 'GET /auth/refresh_token',
    drive: { kind: 'http', server: 'service', method: 'GET', path: '/api/v1/auth/refresh_token', token: 'chained refresh', connections: 'http', status: 200 },
    target: { kind: 'report', against: 'GET /auth/verify' }
  },
  {
    name: 'GET /books?limit=20',
    drive: { kind: 'http', server: 'service', method: 'GET', path: '/api/v1/books?limit=20', token: 'access', books: 20, connections: 'http', status: 200 },
    target: { kind: 'report', against: 'GET /auth/verify' }
  },
  {
    name: 'peak RSS of the service during login',
    drive: { kind: 'peak rss', during: 'login, correct password' },
    target: { kind: 'peak rss', belowMb: 250 }
  }
]

export function scenarioNamed (name: string): Scenario {
  const scenario = scenarios.find((s) => s.name === name)
  if (scenario === undefined) throw new Error(`bench/scenarios.ts names no scenario "${name}"`)
  return scenario
}

// A peak RSS row is driven as the scenario it watches.
export function connectionsOf (scenario: Scenario): Connections {
  const { drive } = scenario
  return drive.kind === 'peak rss' ? connectionsOf(scenarioNamed(drive.during)) : drive.connections
}
