// The password policy on its own: zxcvbn's score with the account's words as context, the bounded
// prefix it scores, PASSWORD_MIN_SCORE, and the breach check against a local range server.
import { test } from 'tap'
import fc from 'fast-check'
import { AppError } from '../../../../plugins/app/http/errors.js'
import { createPasswordPolicy, type PasswordContext } from '../../../../plugins/app/passwords/password-policy.js'
import { ConfigSchema } from '../../../../config/schema.js'
import { build, testConfig, type ConfigValues } from '../../../helper.js'
import { signupBody } from '../../../helpers/fixtures.js'
import { freePort } from '../../../helpers/free-port.js'
import { rangeBody, sha1Hex, someSuffix, startRangeServer } from '../../../helpers/range-server.js'

const SOMEONE: PasswordContext = { email: 'reader@example.com', username: 'reader', first_name: 'Ada', last_name: 'Lovelace' }
const STRONG = 'correct horse battery staple'
const BREACHED = 'This password has appeared in a data breach, so attackers try it early. ' +
  'Choose a different one, and change it wherever else you use it.'

// What no warning may hold of a password.
function secrets (password: string): Array<[string, string]> {
  const hash = sha1Hex(password)
  return [['password', password], ['hash', hash], ['prefix', hash.slice(0, 5)], ['suffix', hash.slice(5)]]
}

type Warning = { details: Record<string, string | number>, message: string }

// The policy a server with these settings (over the tests' own) would have, and the warnings it gives.
async function policyWith (settings: ConfigValues = {}) {
  const warnings: Warning[] = []
  const policy = await createPasswordPolicy(testConfig(settings), (details, message) => warnings.push({ details, message }))
  return { policy, warnings }
}

// The AppError a check throws, or undefined when the password is allowed.
async function refusal (check: Promise<void>): Promise<AppError | undefined> {
  try {
    await check
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  return undefined
}

test('the shipped minimum score is 3 and the tests keep it; the breach check is off by default', async (t) => {
  t.equal(ConfigSchema.properties.PASSWORD_MIN_SCORE.default, 3)
  t.match(testConfig(), { PASSWORD_MIN_SCORE: 3, PASSWORD_BREACH_URL: '', PASSWORD_BREACH_TIMEOUT: 2000 })
})

test('a weak password is a 422 weak_password naming the field, with zxcvbn\'s reason and advice, never the password', async (t) => {
  const { policy } = await policyWith()
  const cases: Array<[password: string, field: string, message: string]> = [
    ['12345678', 'password', 'This password is too easy to guess. This is a heavily used password. Add more words that are less common.'],
    ['qwertyuiop123', 'new_password', 'This password is too easy to guess. This is similar to a commonly used password. Add more words that are less common.'],
    ['abcabcabcabc', 'password', 'This password is too easy to guess. Repeated character patterns like "abcabcabc" are easy to guess. ' +
      'Add more words that are less common. Avoid repeated words and characters.']
  ]
  for (const [password, field, message] of cases) {
    const error = await refusal(policy.check(password, SOMEONE, field))
    t.match(error, { statusCode: 422, errorCode: 'weak_password', message }, password)
    t.same(error?.failures, [{ path: `/body/${field}`, message }], `${password}: errors[] names /body/${field}`)
    t.notOk(error?.message.includes(password), `${password}: not echoed`)
  }
  t.equal(await refusal(policy.check(STRONG, SOMEONE, 'password')), undefined, 'a strong password passes')
})

test('where zxcvbn gives no reason or no advice, the message still says why and how', async (t) => {
  const { policy } = await policyWith()
  t.match(await refusal(policy.check('long enough', SOMEONE, 'password')), {
    message: 'This password is too easy to guess. It is short, or made of common words or patterns. Add more words that are less common.'
  }, 'no warning: a plain reason')
  const { policy: strict } = await policyWith({ PASSWORD_MIN_SCORE: 4 })
  t.match(await refusal(strict.check('a user password', SOMEONE, 'password')), {
    message: 'This password is too easy to guess. It is short, or made of common words or patterns. Use a longer passphrase of several unrelated words.'
  }, 'a score just under the minimum, where zxcvbn has neither')
})

test('the account\'s own e-mail, its local part and words, username and names count against the password', async (t) => {
  const { policy } = await policyWith()
  const owner: PasswordContext = { email: 'zyrtavia.quenbright@example.com', username: 'vexmoriandl', first_name: 'Pellowyth', last_name: 'Drancasterix' }
  const cases: Array<[source: string, password: string]> = [
    ['the whole e-mail', 'zyrtavia.quenbright@example.com'],
    ['the local part', 'zyrtavia.quenbright'],
    ['a word of the local part', 'zyrtavia1987'],
    ['the username', 'vexmoriandl2024'],
    ['the first name', 'Pellowyth7'],
    ['the last name', 'Drancasterix!']
  ]
  for (const [source, password] of cases) {
    const error = await refusal(policy.check(password, owner, 'password'))
    t.match(error, { errorCode: 'weak_password', message: /personal or page related data/ }, `${source}: refused for its owner`)
    t.equal(await refusal(policy.check(password, SOMEONE, 'password')), undefined, `${source}: accepted for someone else`)
  }
})

test('PASSWORD_MIN_SCORE 0 turns the strength check off; 4 asks more than the default 3', async (t) => {
  const { policy: off } = await policyWith({ PASSWORD_MIN_SCORE: 0 })
  const { policy: normal } = await policyWith({ PASSWORD_MIN_SCORE: 3 })
  const { policy: strict } = await policyWith({ PASSWORD_MIN_SCORE: 4 })
  t.equal(await refusal(off.check('12345678', SOMEONE, 'password')), undefined, '0: even a top-ten password passes')
  t.equal(await refusal(normal.check('a user password', SOMEONE, 'password')), undefined, '3: a score-3 password passes')
  t.match(await refusal(strict.check('a user password', SOMEONE, 'password')), { errorCode: 'weak_password' }, '4: it does not')
  t.equal(await refusal(strict.check(STRONG, SOMEONE, 'password')), undefined, '4: a score-4 password passes')
})

test('only a bounded prefix is scored: a weak start is refused whatever follows, and a 50-character username typed whole is recognised', async (t) => {
  const { policy } = await policyWith()
  const strong = 'Vq8#tLm2!xR9@kW4$zN7%pB3^cF6&hJ1*dG5(sY0)eU8-aQ2+oI4=rT7~lK9.wM3'
  t.equal(await refusal(policy.check(`${strong}${'a'.repeat(64)}`, SOMEONE, 'password')), undefined, 'strong start, weak end: accepted')
  t.match(await refusal(policy.check(`${'a'.repeat(64)}${strong}`, SOMEONE, 'password')), { errorCode: 'weak_password', message: /Repeated characters/ },
    'weak start, strong end: refused, with the reason')
  const username = 'qorvanthexylbrimquadzelnofterpaxwunderglimspraketh'
  t.equal(username.length, 50)
  t.match(await refusal(policy.check(username, { ...SOMEONE, username }, 'password')), { errorCode: 'weak_password' }, 'the own username, whole')
  t.equal(await refusal(policy.check(username, SOMEONE, 'password')), undefined, 'the same letters for someone else')
})

test('for any string up to 128 characters and any account, the check passes or throws the 422 weak_password', async (t) => {
  const { policy } = await policyWith()
  const l33tish = [...'4@1!3$0|7+5%^&*()[]{}<>/\\-_. aeilostxAEILOST19', '|_|', '|)', '|<', '|-|', '^^', '/\\/\\', '\\/\\/', '><', '\ud800', '\udc00', '😀']
  const password = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 128 }),
    fc.string({ unit: fc.constantFrom(...l33tish), maxLength: 128 }).map((text) => [...text].slice(0, 128).join('')),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 128 })
  )
  const context = fc.record({ email: fc.string(), username: fc.string(), first_name: fc.string(), last_name: fc.string() })
  await fc.assert(fc.asyncProperty(password, context, async (candidate, account) => {
    const error = await refusal(policy.check(candidate, account, 'password'))
    if (error === undefined) return
    t.match(error, { statusCode: 422, errorCode: 'weak_password', failures: [{ path: '/body/password' }] })
  }), { numRuns: 300 })
})

test('the breach check: a listed password is 422 breached_password, and only the 5-character prefix leaves, with Add-Padding', async (t) => {
  const range = await startRangeServer(t)
  const { policy, warnings } = await policyWith({ PASSWORD_BREACH_URL: range.url })
  const hash = sha1Hex(STRONG)
  range.answer = () => ({ body: rangeBody([[someSuffix(), 3], [hash.slice(5), 42], [someSuffix(), 0]]) })
  const error = await refusal(policy.check(STRONG, SOMEONE, 'new_password'))
  t.match(error, { statusCode: 422, errorCode: 'breached_password', message: BREACHED })
  t.same(error?.failures, [{ path: '/body/new_password', message: BREACHED }])
  t.equal(range.requests.length, 1)
  const [request] = range.requests
  t.equal(request?.url, `/range/${hash.slice(0, 5)}`, 'the prefix, upper-case, appended to the URL; nothing else')
  t.equal(request?.headers['add-padding'], 'true')
  t.notOk(JSON.stringify(request).includes(hash.slice(5, 15)), 'no part of the rest of the hash')
  t.same(warnings, [])

  range.answer = () => ({ body: rangeBody([[hash.slice(5).toLowerCase(), 1]]) })
  t.match(await refusal(policy.check(STRONG, SOMEONE, 'password')), { errorCode: 'breached_password' }, 'hex in either case')
})

test('the breach check allows a password on a padding line (count 0) or missing from the answer', async (t) => {
  const range = await startRangeServer(t)
  const { policy, warnings } = await policyWith({ PASSWORD_BREACH_URL: range.url })
  const suffix = sha1Hex(STRONG).slice(5)
  range.answer = () => ({ body: rangeBody([[someSuffix(), 12], [suffix, 0], [someSuffix(), 0]]) })
  t.equal(await refusal(policy.check(STRONG, SOMEONE, 'password')), undefined, 'a padding line')
  range.answer = () => ({ body: `${rangeBody([[someSuffix(), 12], [someSuffix(), 0]])}\r\n` })
  t.equal(await refusal(policy.check(STRONG, SOMEONE, 'password')), undefined, 'not listed')
  t.same(warnings, [], 'both were answers, not failures')
})

test('a weak password is refused before the breach service is asked', async (t) => {
  const range = await startRangeServer(t)
  const { policy } = await policyWith({ PASSWORD_BREACH_URL: range.url })
  t.match(await refusal(policy.check('12345678', SOMEONE, 'password')), { errorCode: 'weak_password' })
  t.equal(range.requests.length, 0)
})

test('a breach service that is down, slow, failing or garbled allows the password and says so, without the password, its hash or prefix', async (t) => {
  const range = await startRangeServer(t)
  const down = `http://127.0.0.1:${await freePort()}/range/`
  const hash = sha1Hex(STRONG)
  const cases: Array<[name: string, url: string, answer: typeof range.answer, details: Record<string, string | number>]> = [
    ['down', down, () => ({ body: '' }), { reason: 'unreachable', code: 'ECONNREFUSED' }],
    ['slow', range.url, () => 'hang', { reason: 'timeout' }],
    ['failing', range.url, () => ({ status: 503, body: rangeBody([[hash.slice(5), 9]]) }), { reason: 'status', status: 503 }],
    ['an HTML page', range.url, () => ({ body: '<html><body>Hello</body></html>' }), { reason: 'garbled answer' }],
    ['an empty answer', range.url, () => ({ body: '' }), { reason: 'garbled answer' }],
    ['one bad line among good ones', range.url, () => ({ body: `${rangeBody([[hash.slice(5), 9]])}\r\nnot a line` }), { reason: 'garbled answer' }]
  ]
  for (const [name, url, answer, details] of cases) {
    const { policy, warnings } = await policyWith({ PASSWORD_BREACH_URL: url, PASSWORD_BREACH_TIMEOUT: 300 })
    range.answer = answer
    const started = Date.now()
    t.equal(await refusal(policy.check(STRONG, SOMEONE, 'password')), undefined, `${name}: allowed`)
    t.ok(Date.now() - started < 2000, `${name}: within the timeout`)
    t.same(warnings, [{ details, message: 'breached-password check failed; the password was allowed' }], `${name}: one warning`)
    const said = JSON.stringify(warnings)
    for (const [what, secret] of secrets(STRONG)) t.notOk(said.includes(secret), `${name}: no ${what}`)
  }
})

test('the app logs a failed breach check at warn, with no password, hash or prefix in the line', async (t) => {
  const logLines: string[] = []
  const app = await build(t, { logLines, config: { PASSWORD_BREACH_URL: `http://127.0.0.1:${await freePort()}/range/` } })
  const body = signupBody({ password: 'plum ferry quartz lantern' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  t.equal(res.statusCode, 201, 'allowed')
  const warnings = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40)
  t.match(warnings, [{ msg: 'breached-password check failed; the password was allowed', reason: 'unreachable', code: 'ECONNREFUSED' }])
  const logged = logLines.join('')
  for (const [what, secret] of secrets(body.password)) t.notOk(logged.includes(secret), `no ${what} in any line`)
})
