// Accounts, tokens and books the scenarios need, made through the API before the load starts.
import { randomBytes } from 'node:crypto'

export const PASSWORD = 'correct horse battery staple'
const tag = randomBytes(3).toString('hex')
let counter = 0

// Short enough for the 40-character e-mail limit, unique across runs against one database.
export const newEmail = (prefix: string) => `${prefix}${tag}n${++counter}@example.com`

export const signupBody = (email: string) => JSON.stringify({
  username: 'bench', first_name: 'Bench', last_name: 'Mark', email, password: PASSWORD
})

export const loginBody = (email: string, password = PASSWORD) => JSON.stringify({ email, password })
export const emailBody = (email: string) => JSON.stringify({ email })

interface ApiResponse {
  status: number
  body: unknown
}

async function call (url: string, init: { method?: string, body?: string, token?: string, attempt?: number }): Promise<ApiResponse> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` })
    },
    body: init.body
  })
  const text = await res.text()
  // A scenario that just ended may still have hashes queued: do as a client should, and retry.
  if (res.status === 503 && (init.attempt ?? 0) < 10) {
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get('retry-after') ?? 1)))
    return call(url, { ...init, attempt: (init.attempt ?? 0) + 1 })
  }
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function expect (what: string, status: number, res: Promise<ApiResponse>): Promise<unknown> {
  const { status: got, body } = await res
  if (got !== status) throw new Error(`${what}: HTTP ${got} ${JSON.stringify(body)}`)
  return body
}

export async function signup (base: string, email = newEmail('u')): Promise<string> {
  await expect('signup', 201, call(`${base}/api/v1/auth/signup`, { method: 'POST', body: signupBody(email) }))
  return email
}

export async function login (base: string, email: string): Promise<{ access: string, refresh: string }> {
  const body = await expect('login', 200, call(`${base}/api/v1/auth/login`, { method: 'POST', body: loginBody(email) }))
  const { access_token: access, refresh_token: refresh } = body as { access_token: string, refresh_token: string }
  return { access, refresh }
}

// `count` books owned by the token's user, or false when this build has no books API yet.
export async function createBooks (base: string, token: string, count: number): Promise<boolean> {
  for (let i = 0; i < count; i++) {
    const res = await call(`${base}/api/v1/books`, {
      method: 'POST',
      token,
      body: JSON.stringify({
        title: `Benchmark book ${i + 1}`,
        author: 'A. Uthor',
        publisher: 'Bench Press',
        published_date: '2024-01-31',
        page_count: 100 + i,
        language: 'en'
      })
    })
    if (res.status === 404 && i === 0) return false
    if (res.status !== 201) throw new Error(`create book: HTTP ${res.status} ${JSON.stringify(res.body)}`)
  }
  return true
}
