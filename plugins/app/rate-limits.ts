// Bookly's abuse limits over @fastify/rate-limit's counters: per IP on the auth routes, signup and
// change_password, and per account for failed logins only, so the owner is never the one locked out
// for longer than LOGIN_FAILURE_WINDOW, and successful logins never count.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normalizeIP } from '@fastify/rate-limit'
import { rateLimitedError } from '../external/rate-limit.js'
import { AppError } from '../../lib/errors.js'
import { canonicalEmail } from '../../lib/users.js'

type Hook = (request: FastifyRequest) => Promise<void>

export interface RateLimits {
  authPerIp: Hook
  signupPerIp: Hook
  changePasswordPerIp: Hook
  // Throws 429 while the account named in the login body has used up its failures.
  loginAllowed: Hook
  loginFailed: (request: FastifyRequest) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: RateLimits
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
      throw new AppError('service_unavailable', undefined, { 'retry-after': '5' })
    }
  }
}

export default fp(async function rateLimits (fastify) {
  const c = fastify.config

  const perIp = (name: string, max: number, windowSeconds: number): Hook => {
    const check = guarded(fastify.createRateLimit({ max, timeWindow: windowSeconds * 1000, keyGenerator: byIp(name) }))
    return async (request) => {
      const limit = await check(request)
      if (!limit.isAllowed && limit.isExceeded) throw rateLimitedError(limit.ttl)
    }
  }

  const failures = guarded(fastify.createRateLimit({
    max: c.LOGIN_FAILURES_PER_ACCOUNT,
    timeWindow: c.LOGIN_FAILURE_WINDOW * 1000,
    keyGenerator: byAccount
  }))

  fastify.decorate('rateLimits', {
    authPerIp: perIp('auth-ip', c.AUTH_RATE_LIMIT, c.AUTH_RATE_WINDOW),
    signupPerIp: perIp('signup-ip', c.SIGNUP_RATE_LIMIT, c.SIGNUP_RATE_WINDOW),
    changePasswordPerIp: perIp('change-password-ip', c.CHANGE_PASSWORD_RATE_LIMIT, c.CHANGE_PASSWORD_RATE_WINDOW),
    async loginAllowed (request) {
      // A peek: checking does not count, only a failure does (loginFailed).
      const limit = await failures(request, { increment: false })
      if (!limit.isAllowed && limit.remaining === 0) throw rateLimitedError(limit.ttl)
    },
    async loginFailed (request) {
      await failures(request)
    }
  } satisfies RateLimits)
}, { name: 'rate-limits', dependencies: ['env', 'rate-limit'] })
