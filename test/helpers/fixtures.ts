// Accounts, tokens and books made through the API itself, as a client would make them.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { jwtClaims } from './jwt.js'

export const PASSWORD = 'correct horse battery staple'

let counter = 0
export function uniqueEmail (prefix = 'user'): string {
  return `${prefix}${process.pid}n${++counter}${randomBytes(3).toString('hex')}@example.com`
}

export function signupBody (overrides: Record<string, unknown> = {}) {
  return {
    username: 'reader',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: uniqueEmail(),
    password: PASSWORD,
    ...overrides
  }
}

export interface LoggedIn {
  email: string
  uid: string
  access: string
  refresh: string
}

export async function signupAndLogin (app: FastifyInstance, overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<LoggedIn> {
  const body = signupBody(overrides)
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })
  if (signup.statusCode !== 201) throw new Error(`signup failed: ${signup.body}`)
  return login(app, body.email, body.password, headers)
}

export async function login (app: FastifyInstance, email: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<LoggedIn> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers })
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`)
  const body = res.json()
  return { email, uid: body.user.uid, access: body.access_token, refresh: body.refresh_token }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

// The session's login moved `seconds` into the past, and a refreshed pair that carries it (step-up).
export async function agedLogin (app: FastifyInstance, user: LoggedIn, seconds = 600): Promise<LoggedIn> {
  const { sid } = jwtClaims(user.access)
  await app.db.updateTable('sessions').set({ auth_time: new Date(Date.now() - seconds * 1000) }).where('id', '=', sid).execute()
  const res = await app.inject({ url: '/api/v1/auth/refresh_token', headers: bearer(user.refresh) })
  if (res.statusCode !== 200) throw new Error(res.body)
  return { ...user, access: res.json().access_token, refresh: res.json().refresh_token }
}

export function errorCode (res: LightMyRequestResponse): string {
  return res.json().error_code
}

// A signed-up user made admin in the database, then logged in again so the token carries the role.
export async function signupAdmin (app: FastifyInstance): Promise<LoggedIn> {
  const user = await signupAndLogin(app)
  await app.db.updateTable('users').set({ role: 'admin' }).where('uid', '=', user.uid).execute()
  return login(app, user.email)
}

export function bookBody (overrides: Record<string, unknown> = {}) {
  return {
    title: 'Think Python',
    author: 'Allen B. Downey',
    publisher: "O'Reilly Media",
    published_date: '2021-01-01',
    page_count: 1234,
    language: 'English',
    ...overrides
  }
}

export async function createBook (app: FastifyInstance, token: string, overrides: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/books', headers: bearer(token), payload: bookBody(overrides) })
  if (res.statusCode !== 201) throw new Error(`creating a book failed: ${res.body}`)
  return res.json()
}
