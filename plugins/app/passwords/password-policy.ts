// The policy every new password meets (signup, change, reset, user:create): a zxcvbn strength score
// that counts the account's own words against it, then, with PASSWORD_BREACH_URL, a k-anonymity look-up
// in a breach corpus. A refusal is a 422 that names the field, says why and how to do better.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { FeedbackType, ZxcvbnFactory } from '@zxcvbn-ts/core'
import type { Config } from '../../../config/schema.js'
import type { User } from '../../../db/types.js'
import { AppError } from '../http/errors.js'

// The account's own words: whoever targets the account tries them first.
export type PasswordContext = Pick<User, 'email' | 'username' | 'first_name' | 'last_name'>

export interface PasswordPolicy {
  // Resolves when the password may be used; otherwise throws a 422 weak_password or breached_password
  // whose errors[] names the body field `field`. The password is never answered or logged.
  check (password: string, context: PasswordContext, field: string): Promise<void>
}

export type PolicySettings = Pick<Config, 'PASSWORD_MIN_SCORE' | 'PASSWORD_BREACH_URL' | 'PASSWORD_BREACH_TIMEOUT'>

// Where a breach check that could not be made is reported: the app's log, the CLI's standard error.
export type PolicyWarn = (details: Record<string, string | number>, message: string) => void

declare module 'fastify' {
  interface FastifyInstance {
    passwordPolicy: PasswordPolicy
  }
}

// zxcvbn runs on the event loop, and its work grows with the length it scores and with the l33t
// readings it tries (each is matched against every dictionary again): a crafted 128-character
// password would hold every other request. So it scores the first SCORED_LENGTH UTF-16 units only.
// That lets no weak password through: guessing the whole means guessing its prefix first, so a
// prefix hard to guess makes the whole at least as hard; a password weak at its start is refused.
// It is longer than any context word (a username has up to 50 characters), so an account's own
// username or e-mail address, typed whole, is still recognised.
const SCORED_LENGTH = 64
// zxcvbn's default is 100 readings. The full substitutions come first (p@ssw0rd read as password),
// so fewer miss only rarer spellings; more would make each crafted password cost many times more.
const L33T_READINGS = 10

let estimator: Promise<ZxcvbnFactory> | undefined

// The dictionaries are large: loaded once per process, by the first policy that scores, and shared
// by every app in it (tests build many). With PASSWORD_MIN_SCORE=0 they are never loaded.
function strengthEstimator (): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')
    ])
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      maxLength: SCORED_LENGTH,
      l33tMaxSubstitutions: L33T_READINGS
    })
  })()
  return estimator
}

function contextWords ({ email, username, first_name: firstName, last_name: lastName }: PasswordContext): string[] {
  const local = email.split('@')[0] ?? ''
  // The local part's pieces too: ada.lovelace@ gives ada and lovelace.
  const words = [email, local, ...local.split(/[^\p{L}\p{N}]+/u), username, firstName, lastName]
  return [...new Set(words.filter((word) => word !== ''))]
}

// One failure, named by the body field, with the same text as the message.
function refusal (code: 'weak_password' | 'breached_password', message: string, field: string): AppError {
  return new AppError(code, message, {}, [{ path: `/body/${field}`, message }])
}

// zxcvbn's warning says why and its suggestions how; at a score just under the minimum it has neither.
function weak ({ warning, suggestions }: FeedbackType, field: string): AppError {
  const why = warning ?? 'It is short, or made of common words or patterns.'
  const how = suggestions.length > 0 ? suggestions.join(' ') : 'Use a longer passphrase of several unrelated words.'
  return refusal('weak_password', `This password is too easy to guess. ${why} ${how}`, field)
}

const BREACHED = 'This password has appeared in a data breach, so attackers try it early. ' +
  'Choose a different one, and change it wherever else you use it.'

// A range answer's line: the other 35 hex characters of a SHA-1, and how often that password was
// seen (0 on the padding lines the answer is filled up with).
const RANGE_LINE = /^([0-9A-F]{35}):(\d+)$/i

// How often the answer lists the suffix; undefined when it is no range answer.
function timesListed (answer: string, suffix: string): number | undefined {
  const lines = answer.split('\n').map((line) => line.trim()).filter((line) => line !== '')
  // Even a prefix that no breached password has is answered with padding lines.
  if (lines.length === 0) return undefined
  let times = 0
  for (const line of lines) {
    const [, lineSuffix, count] = RANGE_LINE.exec(line) ?? []
    if (lineSuffix === undefined || count === undefined) return undefined
    if (lineSuffix.toUpperCase() === suffix) times = Number(count)
  }
  return times
}

type Failure = Record<string, string | number>

// The failure's kind and its system error code (ECONNREFUSED); never its message, which may hold the URL.
function fetchFailure (err: unknown): Failure {
  if (err instanceof Error && err.name === 'TimeoutError') return { reason: 'timeout' }
  const code: unknown = err instanceof Error && err.cause instanceof Error ? (err.cause as NodeJS.ErrnoException).code : undefined
  return typeof code === 'string' ? { reason: 'unreachable', code } : { reason: 'unreachable' }
}

// The range answer for a prefix, or what went wrong.
async function rangeAnswer (url: string, timeoutMs: number): Promise<{ text: string } | { failure: Failure }> {
  try {
    // Padding makes every answer about the same size, so its length tells an onlooker nothing.
    const res = await fetch(url, { headers: { 'add-padding': 'true' }, signal: AbortSignal.timeout(timeoutMs) })
    if (res.ok) return { text: await res.text() }
    await res.body?.cancel()
    return { failure: { reason: 'status', status: res.status } }
  } catch (err) {
    return { failure: fetchFailure(err) }
  }
}

// Only the first 5 hex characters of the password's SHA-1 leave the process. A check that cannot be
// made allows the password: a breach service that is down must not stop sign-ups and resets.
function breachCheck (baseUrl: string, timeoutMs: number, warn: PolicyWarn) {
  const unknown = (failure: Failure) => {
    warn(failure, 'breached-password check failed; the password was allowed')
    return false
  }
  return async (password: string): Promise<boolean> => {
    const digest = createHash('sha1').update(password).digest('hex').toUpperCase()
    const answer = await rangeAnswer(`${baseUrl}${digest.slice(0, 5)}`, timeoutMs)
    if ('failure' in answer) return unknown(answer.failure)
    const times = timesListed(answer.text, digest.slice(5))
    return times === undefined ? unknown({ reason: 'garbled answer' }) : times > 0
  }
}

export async function createPasswordPolicy (settings: PolicySettings, warn: PolicyWarn): Promise<PasswordPolicy> {
  const { PASSWORD_MIN_SCORE: minScore, PASSWORD_BREACH_URL: breachUrl, PASSWORD_BREACH_TIMEOUT: breachTimeout } = settings
  const strength = minScore > 0 ? await strengthEstimator() : undefined
  const breached = breachUrl === '' ? undefined : breachCheck(breachUrl, breachTimeout, warn)
  return {
    async check (password, context, field) {
      if (strength !== undefined) {
        const { score, feedback } = strength.check(password, contextWords(context))
        if (score < minScore) throw weak(feedback, field)
      }
      if (breached !== undefined && await breached(password)) throw refusal('breached_password', BREACHED, field)
    }
  }
}

export default fp(async function passwordPolicy (fastify) {
  fastify.decorate('passwordPolicy', await createPasswordPolicy(fastify.config, (details, message) => fastify.log.warn(details, message)))
}, { name: 'password-policy', dependencies: ['env'] })
