// Two-factor login as a client with an authenticator app goes through it: enrol, confirm, and log
// in with a code of the step before, the current or the next one (an account spends each step
// once, so a test takes them in that order: three codes without waiting).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { codeAt } from '../../plugins/app/two-factor/totp.js'
import { bearer, PASSWORD, type LoggedIn } from './fixtures.js'

export const STEP_MS = 30_000

// The code of the step `offset` steps from now.
export const totpCode = (secret: string, offset: -1 | 0 | 1 = 0): string => codeAt(secret, Date.now() + offset * STEP_MS)

// A code of none of the steps allowed now: a wrong code that cannot turn out right. `nth` picks
// another one, for tests that send several.
export function wrongCode (secret: string, nth = 0): string {
  const allowed = new Set([-1, 0, 1].map((offset) => codeAt(secret, Date.now() + offset * STEP_MS)))
  for (let n = 100_003 + nth * 7919; ; n = (n + 7919) % 1_000_000) {
    const code = String(n).padStart(6, '0')
    if (!allowed.has(code)) return code
  }
}

export interface TwoFactorAccount {
  secret: string
  recoveryCodes: string[]
}

// Two-factor turned on with the code of the step before this one: the current and the next are left.
export async function enableTwoFactor (app: FastifyInstance, user: LoggedIn): Promise<TwoFactorAccount> {
  const enrolled = await app.inject({ method: 'POST', url: '/api/v1/auth/two-factor/enrol', headers: bearer(user.access) })
  if (enrolled.statusCode !== 200) throw new Error(`enrolment failed: ${enrolled.body}`)
  const secret: string = enrolled.json().secret
  const confirmed = await app.inject({ method: 'POST', url: '/api/v1/auth/two-factor/confirm', headers: bearer(user.access), payload: { code: totpCode(secret, -1) } })
  if (confirmed.statusCode !== 200) throw new Error(`confirmation failed: ${confirmed.body}`)
  return { secret, recoveryCodes: confirmed.json().recovery_codes }
}

export const passwordStep = (app: FastifyInstance, email: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers })

// The ticket of a right password on an account with two-factor on.
export async function ticketFor (app: FastifyInstance, email: string): Promise<string> {
  const res = await passwordStep(app, email)
  if (res.statusCode !== 202) throw new Error(`expected a ticket: ${res.statusCode} ${res.body}`)
  return res.json().mfa_ticket
}

export const secondStep = (app: FastifyInstance, payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login/two-factor', payload, headers })
