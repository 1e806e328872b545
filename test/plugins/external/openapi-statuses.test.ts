// Every operation's documented responses hold what it really answers: a representative set of
// requests per operation (each success, and every kind of bad request the document lets a client
// make), their answers recorded by the test helper's onResponse hook and held against the document.
// CI also holds the whole suite's answers against it (BOOKLY_STATUS_LOG, .ci/run).
import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { StatusRecord } from '../../helper.js'
import { buildWithInbox } from '../../helpers/mail.js'
import { addresses, linkIn, tokenIn, type Inbox } from '../../helpers/smtp.js'
import { jwtClaims } from '../../helpers/jwt.js'
import { waitFor } from '../../helpers/wait-for.js'
import { bearer, bookBody, createBook, login, signupAdmin, signupAndLogin, signupBody, PASSWORD, type LoggedIn } from '../../helpers/fixtures.js'
import { totpCode, wrongCode } from '../../helpers/two-factor.js'
import { operationOf, undocumentedStatuses, type OpenApiDocument } from '../../helpers/documented-statuses.js'
import { OPENAPI_URL } from '../../../plugins/external/swagger-ui.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

interface Operation {
  security: Array<Record<string, string[]>>
  tags: string[]
  parameters?: Array<{ in: string, name: string }>
  requestBody?: object
}

// What a client generated from the document may get wrong, per operation. `caller` has the role the
// operation needs (a fresh login: an operation may end its session); `user` has the role user.
function badRequests (path: string, method: Method, operation: Operation, caller: LoggedIn, user: LoggedIn): InjectOptions[] {
  const scheme = Object.keys(operation.security[0] ?? {})[0]
  const own = scheme === 'refreshToken' ? caller.refresh : caller.access
  const wrongKind = scheme === 'refreshToken' ? caller.access : caller.refresh
  const withPath = (value: string) => path.replace(/\{[^}]+\}/g, value)
  const url = withPath(randomUUID())
  const ok = scheme === undefined ? {} : bearer(own)
  const requests: InjectOptions[] = [
    ...path.includes('{') ? [{ method, url: withPath('not-a-uuid'), headers: ok }] : [],
    { method, url: `${url}?unknown=1`, headers: ok },
    { method, url: `${url}?limit=0&offset=-1&scope=nowhere`, headers: ok }
  ]
  if (scheme !== undefined) {
    requests.push({ method, url }, { method, url, headers: bearer(wrongKind) }, { method, url, headers: { authorization: 'Bearer not.a.jwt' } })
  }
  if (operation.tags.includes('admin')) requests.push({ method, url, headers: bearer(user.access) })
  if (method !== 'GET') {
    requests.push(
      { method, url, headers: { ...ok, 'content-type': 'application/json' }, payload: '{"title":' },
      { method, url, headers: { ...ok, 'content-type': 'text/plain' }, payload: 'hello' },
      { method, url, headers: { ...ok, 'content-type': 'application/json' }, payload: JSON.stringify({ title: 'x'.repeat(1024 * 1024) }) },
      { method, url, headers: ok, payload: {} },
      { method, url, headers: ok, payload: { unknown: true } }
    )
  }
  // Last: it may end the caller's session (logout).
  return [...requests, { method, url, headers: ok }]
}

// The token of the link to `page` in the mail to `to`.
async function mailToken (inbox: Inbox, to: string, page: string): Promise<string> {
  const find = () => inbox.messages.find((mail) => addresses(mail.to).includes(to) && linkIn(mail).includes(page))
  if (!await waitFor(() => find() !== undefined, 10_000)) throw new Error(`no ${page} mail to ${to}`)
  const mail = find()
  if (mail === undefined) throw new Error(`no ${page} mail to ${to}`)
  return tokenIn(mail)
}

// Each operation's successes and the answers only its own state produces (a conflict, someone else's book, ...).
async function scenarios (app: FastifyInstance, inbox: Inbox): Promise<void> {
  const inject = (options: InjectOptions) => app.inject(options)
  await inject({ url: '/health' })
  await inject({ url: '/health/ready' })
  await inject({ url: '/.well-known/jwks.json' })

  const body = signupBody()
  await inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  await inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  await inject({ url: `/api/v1/auth/verify/${await mailToken(inbox, body.email, '/api/v1/auth/verify/')}` })
  await inject({ method: 'POST', url: '/api/v1/auth/resend_verification', payload: { email: body.email } })
  await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: body.email, password: 'wrong password' } })
  const user = await login(app, body.email)
  const second = await login(app, body.email)
  const auth = { headers: bearer(user.access) }

  await inject({ url: '/api/v1/auth/me', ...auth })
  await inject({ url: '/api/v1/auth/verify', ...auth })
  await inject({ url: '/api/v1/auth/sessions', ...auth })
  await inject({ url: '/api/v1/auth/security-events?limit=5', ...auth })
  await inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${jwtClaims(second.access).sid}`, ...auth })
  const refreshed = await inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })
  const current = { headers: bearer(refreshed.json().access_token) }

  const book = await createBook(app, user.access)
  await inject({ url: '/api/v1/books', ...current })
  await inject({ url: `/api/v1/books/user/${user.uid}`, ...current })
  await inject({ url: `/api/v1/books/${book.uid}`, ...current })
  await inject({ method: 'PATCH', url: `/api/v1/books/${book.uid}`, payload: { page_count: 2 }, ...current })
  const stranger = await signupAndLogin(app)
  await inject({ method: 'PATCH', url: `/api/v1/books/${book.uid}`, payload: { page_count: 3 }, headers: bearer(stranger.access) })
  await inject({ method: 'DELETE', url: `/api/v1/books/${book.uid}`, headers: bearer(stranger.access) })
  await inject({ method: 'DELETE', url: `/api/v1/books/${book.uid}`, ...current })
  await inject({ method: 'POST', url: '/api/v1/books', payload: bookBody(), ...current })

  const admin = await signupAdmin(app)
  const asAdmin = { headers: bearer(admin.access) }
  await inject({ url: '/api/v1/admin/users', ...asAdmin })
  await inject({ url: `/api/v1/admin/users/${stranger.uid}/security-events`, ...asAdmin })
  await inject({ method: 'PATCH', url: `/api/v1/admin/users/${stranger.uid}`, payload: { role: 'admin' }, ...asAdmin })
  await inject({ method: 'PATCH', url: `/api/v1/admin/users/${admin.uid}`, payload: { disabled: true }, ...asAdmin })
  await inject({ method: 'DELETE', url: `/api/v1/admin/users/${admin.uid}`, ...asAdmin })
  await inject({ method: 'DELETE', url: `/api/v1/admin/users/${stranger.uid}`, ...asAdmin })

  await inject({ method: 'POST', url: '/api/v1/auth/change_password', payload: { current_password: 'wrong password', new_password: 'another long one' }, ...current })
  await inject({ method: 'POST', url: '/api/v1/auth/change_password', payload: { current_password: body.password, new_password: 'another long one' }, ...current })
  await inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: body.email } })
  const reset = `/api/v1/auth/password-reset-confirm/${await mailToken(inbox, body.email, '/reset-password')}`
  await inject({ method: 'POST', url: reset, payload: { new_password: 'a third password', confirm_new_password: 'not the same' } })
  await inject({ method: 'POST', url: reset, payload: { new_password: 'a third password', confirm_new_password: 'a third password' } })
  await inject({ method: 'POST', url: reset, payload: { new_password: 'a third password', confirm_new_password: 'a third password' } })

  // Two-factor login, on an account of its own: its logins then need the second step.
  const mfa = await signupAndLogin(app)
  const asMfa = { headers: bearer(mfa.access) }
  const twoFactor = (path: string, payload?: object) => inject({ method: 'POST', url: `/api/v1/auth/two-factor/${path}`, ...asMfa, ...(payload === undefined ? {} : { payload }) })
  await inject({ url: '/api/v1/auth/two-factor', ...asMfa })
  await twoFactor('recovery-codes')
  await twoFactor('disable', { password: PASSWORD, code: '123456' })
  await twoFactor('confirm', { code: '123456' })
  const { secret } = (await twoFactor('enrol')).json()
  await twoFactor('confirm', { code: wrongCode(secret) })
  await twoFactor('confirm', { code: totpCode(secret, -1) })
  await twoFactor('enrol')
  await twoFactor('recovery-codes')
  const challenge = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: mfa.email, password: PASSWORD } })
  const secondStep = { method: 'POST', url: '/api/v1/auth/login/two-factor' } as const
  await inject({ ...secondStep, payload: { mfa_ticket: challenge.json().mfa_ticket, recovery_code: 'aaaa-bbbb-cccc-dddd' } })
  await inject({ ...secondStep, payload: { mfa_ticket: challenge.json().mfa_ticket, code: totpCode(secret) } })
  await inject({ ...secondStep, payload: { mfa_ticket: challenge.json().mfa_ticket, code: totpCode(secret) } })
  await twoFactor('disable', { password: 'not the password', code: totpCode(secret, 1) })
  await twoFactor('disable', { password: PASSWORD, code: totpCode(secret, 1) })
  const { secret: pending } = (await twoFactor('enrol')).json()
  await twoFactor('confirm', { code: wrongCode(pending) })
  const mfaAdmin = await signupAdmin(app)
  const adminOff = { method: 'DELETE', url: `/api/v1/admin/users/${mfa.uid}/two-factor`, headers: bearer(mfaAdmin.access) } as const
  await inject(adminOff)
  const { secret: again } = (await twoFactor('enrol')).json()
  await twoFactor('confirm', { code: totpCode(again, -1) })
  await inject(adminOff)

  const last = await login(app, body.email, 'a third password')
  await inject({ url: '/api/v1/auth/logout?scope=others', headers: bearer(last.access) })
  await inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(last.access) })

  // Two accounts ask for one new address; the second link to be opened finds it taken.
  const [mover, rival] = [await login(app, body.email, 'a third password'), await signupAndLogin(app)]
  const move = (who: LoggedIn, newEmail: string, password: string) =>
    inject({ method: 'POST', url: '/api/v1/auth/change_email', payload: { new_email: newEmail, password }, headers: bearer(who.access) })
  const target = signupBody().email
  await move(mover, body.email, 'a third password')
  await move(mover, admin.email, 'a third password')
  await move(mover, target, 'wrong password')
  await move(mover, target, 'a third password')
  await move(rival, target, PASSWORD)
  const links = () => inbox.messages.filter((mail) => addresses(mail.to).includes(target)).map(tokenIn)
  if (!await waitFor(() => links().length === 2, 10_000)) throw new Error(`no two e-mail change mails to ${target}`)
  for (const token of [...links(), links()[0]]) await inject({ url: `/api/v1/auth/email-change/${token ?? ''}` })
}

test('every status an operation answers is one its document lists', async (t) => {
  const records: StatusRecord[] = []
  const { app, inbox } = await buildWithInbox(t, {}, { onAnswer: (entry) => records.push(entry) })
  const doc = (await app.inject({ method: 'GET', url: OPENAPI_URL })).json<OpenApiDocument & { paths: Record<string, Record<string, Operation>> }>()

  await scenarios(app, inbox)
  const [user, admin] = [await signupAndLogin(app), await signupAdmin(app)]
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const caller = await login(app, operation.tags.includes('admin') ? admin.email : user.email)
      for (const request of badRequests(path, method.toUpperCase() as Method, operation, caller, user)) await app.inject(request)
    }
  }

  t.same(undocumentedStatuses(doc, records), [], 'no operation answered a status it does not document')
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, { operationId }] of Object.entries(methods)) {
      const answered = new Set(records.filter((r) => operationOf(doc, r)?.operationId === operationId).map((r) => r.status))
      t.ok([...answered].some((status) => status < 300), `${method.toUpperCase()} ${path} answered a success (${[...answered].sort().join(', ')})`)
      t.ok([...answered].some((status) => status >= 400 && status < 500) || path.startsWith('/health') || path.startsWith('/.well-known'),
        `${method.toUpperCase()} ${path} answered a client error`)
    }
  }
})

test('a status an operation does not document is found', async (t) => {
  const doc: OpenApiDocument = { paths: { '/api/v1/books/{book_uid}': { get: { responses: { 200: {}, 404: {} } } } } }
  t.same(undocumentedStatuses(doc, [
    { method: 'GET', route: '/api/v1/books/:book_uid', status: 404 },
    { method: 'GET', route: '/api/v1/books/:book_uid', status: 409 },
    { method: 'HEAD', route: '/api/v1/books/:book_uid', status: 409 },
    { method: 'GET', route: '/probe', status: 418 }
  ]), ['GET /api/v1/books/:book_uid 409'])
})
