// Bookly's abuse limits over @fastify/rate-limit's counters: per IP on the auth routes, signup,
// change_password and change_email; per account for failed password checks only (login's and those
// of change_password and change_email, one count), so the owner is never the one locked out for
// longer than LOGIN_FAILURE_WINDOW, a stolen access token gives no more guesses than the login
// form, and successful checks never count; and per address and per IP for the requests that send
// mail, where being over the limit changes nothing in the answer.
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
  // change_email's own count, with change_password's settings.
  changeEmailPerIp: Hook
  // Throws 429 while the account named in the login body has used up its failures.
  loginAllowed: Hook
  loginFailed: (request: FastifyRequest) => Promise<void>
  // The same count for a password check of a known account (plugins/app/auth/own-password.ts): throws
  // 429 while the account has used up its failures; a failure counts as a failed login.
  passwordCheckAllowed: (request: FastifyRequest, email: string) => Promise<void>
  passwordCheckFailed: (request: FastifyRequest, email: string) => Promise<void>
  // Counts a mail request (resend_verification, password-reset-request) against the client's IP and
  // the body's address; false once either is over its limit: then no mail goes out, and the answer is
  // the usual one.
  mailAllowed: (request: FastifyRequest) => Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    abuseLimits: AbuseLimits
  }
}

const byIp = (name: string) => (request: FastifyRequest) => `${name}:${normalizeIP(request.ip)}`

const bodyEmail = (request: FastifyRequest): string => {
  const email = (request.body as { email?: unknown } | undefined)?.email
  return typeof email === 'string' ? email : ''
}

// Canonical form computed here, so the key never depends on the route's preValidation having run.
const byEmail = (name: string, emailOf = bodyEmail) => (request: FastifyRequest): string =>
  `${name}:${canonicalEmail(emailOf(request))}`

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
    CHANGE_PASSWORD_RATE_LIMIT, CHANGE_PASSWORD_RATE_WINDOW, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURE_WINDOW,
    MAIL_REQUESTS_PER_ADDRESS, MAIL_REQUESTS_PER_IP, MAIL_REQUEST_WINDOW
  } = fastify.config

  const counter = (max: number, windowSeconds: number, keyGenerator: (request: FastifyRequest) => string) =>
    guarded(fastify.createRateLimit({ max, timeWindow: windowSeconds * 1000, keyGenerator }))

  // Counts the request; true while the key is within its limit.
  const within = (limiter: Limiter) => async (request: FastifyRequest) => {
    const limit = await limiter(request)
    return limit.isAllowed || !limit.isExceeded
  }

  const perIp = (name: string, max: number, windowSeconds: number): Hook => {
    const check = counter(max, windowSeconds, byIp(name))
    return async (request) => {
      const limit = await check(request)
      if (!limit.isAllowed && limit.isExceeded) throw retryAfter('rate_limited', limit.ttl / 1000)
    }
  }

  // One counter for both routes (a counter's memory store is its own): the account is the login
  // body's, or the one a password check named.
  const checkedAccount = new WeakMap<FastifyRequest, string>()
  const failures = counter(LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURE_WINDOW,
    byEmail('login-account', (request) => checkedAccount.get(request) ?? bodyEmail(request)))
  // A peek: checking does not count, only a failure does.
  const accountAllowed = async (request: FastifyRequest) => {
    const limit = await failures(request, { increment: false })
    if (!limit.isAllowed && limit.remaining === 0) throw retryAfter('rate_limited', limit.ttl / 1000)
  }
  const mailPerIp = within(counter(MAIL_REQUESTS_PER_IP, MAIL_REQUEST_WINDOW, byIp('mail-ip')))
  const mailPerAddress = within(counter(MAIL_REQUESTS_PER_ADDRESS, MAIL_REQUEST_WINDOW, byEmail('mail-address')))

  fastify.decorate('abuseLimits', {
    authPerIp: perIp('auth-ip', AUTH_RATE_LIMIT, AUTH_RATE_WINDOW),
    signupPerIp: perIp('signup-ip', SIGNUP_RATE_LIMIT, SIGNUP_RATE_WINDOW),
    changePasswordPerIp: perIp('change-password-ip', CHANGE_PASSWORD_RATE_LIMIT, CHANGE_PASSWORD_RATE_WINDOW),
    changeEmailPerIp: perIp('change-email-ip', CHANGE_PASSWORD_RATE_LIMIT, CHANGE_PASSWORD_RATE_WINDOW),
    loginAllowed: accountAllowed,
    async loginFailed (request) {
      await failures(request)
    },
    async passwordCheckAllowed (request, email) {
      checkedAccount.set(request, email)
      await accountAllowed(request)
    },
    async passwordCheckFailed (request, email) {
      checkedAccount.set(request, email)
      await failures(request)
    },
    // An IP over its limit does not also use up the address's allowance.
    mailAllowed: async (request) => await mailPerIp(request) && await mailPerAddress(request)
  } satisfies AbuseLimits)
}, { name: 'abuse-limits', dependencies: ['env', 'rate-limit'] })
