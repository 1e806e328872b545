// Bookly's abuse limits over @fastify/rate-limit's counters: per IP on the auth routes, signup and
// change_password, and per account for failed logins only, so the owner is never the one locked out
// for longer than LOGIN_FAILURE_WINDOW, and successful logins never count.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normalizeIP } from '@fastify/rate-limit'
import { retryAfter } from '../http/errors.js'
import { canonicalEmail } from '../../../schemas/users.js'

// The store (Redis) unreachable: clients retry after this long.
const STORE_RETRY_AFTER_SECONDS = 5

type Hook = (request: FastifyRequest) => Promise<void>

export interface AbuseLimits {
  authPerIp: Hook
  signupPerIp: Hook
  changePasswordPerIp: Hook
  // Throws 429 while the account named in the login body has used up its failures.
  loginAllowed: Hook
  loginFailed: (request: FastifyRequest) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    abuseLimits: AbuseLimits
  }
}

const byIp = (name: string) => (request: FastifyRequest) => `${name}:${normalizeIP(request.ip)}`

// Canonical form computed here, so the key never depends on the route's preValidation having run.
function byAccount (request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email
  return `login-account:${typeof email === 'string' ? canonicalEmail(email) : ''}`
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

// The store (Redis) unreachable: refuse with 503 rather than let requests through unlimited.
function guarded (limiter: Limiter): Limiter {
  return async (request, options) => {
    try {
      return await limiter(request, options)
    } catch (err) {
      request.log.warn({ err }, 'rate-limit store unreachable')
      throw retryAfter('service_unavailable', STORE_RETRY_AFTER_SECONDS)
    }
  }
}

export default fp(async function abuseLimits (fastify) {
  const {
    AUTH_RATE_LIMIT, AUTH_RATE_WINDOW, SIGNUP_RATE_LIMIT, SIGNUP_RATE_WINDOW,
    CHANGE_PASSWORD_RATE_LIMIT, CHANGE_PASSWORD_RATE_WINDOW, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURE_WINDOW
  } = fastify.config

  const perIp = (name: string, max: number, windowSeconds: number): Hook => {
    const check = guarded(fastify.createRateLimit({ max, timeWindow: windowSeconds * 1000, keyGenerator: byIp(name) }))
    return async (request) => {
      const limit = await check(request)
      if (!limit.isAllowed && limit.isExceeded) throw retryAfter('rate_limited', limit.ttl / 1000)
    }
  }

  const failures = guarded(fastify.createRateLimit({
    max: LOGIN_FAILURES_PER_ACCOUNT,
    timeWindow: LOGIN_FAILURE_WINDOW * 1000,
    keyGenerator: byAccount
  }))

  fastify.decorate('abuseLimits', {
    authPerIp: perIp('auth-ip', AUTH_RATE_LIMIT, AUTH_RATE_WINDOW),
    signupPerIp: perIp('signup-ip', SIGNUP_RATE_LIMIT, SIGNUP_RATE_WINDOW),
    changePasswordPerIp: perIp('change-password-ip', CHANGE_PASSWORD_RATE_LIMIT, CHANGE_PASSWORD_RATE_WINDOW),
    async loginAllowed (request) {
      // A peek: checking does not count, only a failure does (loginFailed).
      const limit = await failures(request, { increment: false })
      if (!limit.isAllowed && limit.remaining === 0) throw retryAfter('rate_limited', limit.ttl / 1000)
    },
    async loginFailed (request) {
      await failures(request)
    }
  } satisfies AbuseLimits)
}, { name: 'abuse-limits', dependencies: ['env', 'rate-limit'] })
