import { test } from 'tap'
import { testConfig } from '../../../helper.js'
import { buildWithInbox } from '../../../helpers/mail.js'
import { linkIn } from '../../../helpers/smtp.js'
import { signupAndLogin } from '../../../helpers/fixtures.js'
import { publicUrl } from '../../../../plugins/app/account-email/account-email-service.js'
import { lifetime } from '../../../../plugins/app/account-email/messages.js'

test('PASSWORD_RESET_URL points reset links at an application\'s own page, the token where {token} stands', async (t) => {
  const { app, inbox } = await buildWithInbox(t, { PASSWORD_RESET_URL: 'https://app.example.com/reset#t={token}', PASSWORD_RESET_TTL: 900 })
  const user = await signupAndLogin(app)
  await inbox.waitForMessages(1)
  await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset-request', payload: { email: user.email } })
  const mail = (await inbox.waitForMessages(2))[1]!
  t.match(linkIn(mail), /^https:\/\/app\.example\.com\/reset#t=[A-Za-z0-9_-]{43}$/)
  t.match(mail.text, /for 15 minutes/)
})

test('links default to http://HOST:PORT', async (t) => {
  t.equal(publicUrl({ PUBLIC_URL: '', HOST: '127.0.0.1', PORT: 8000 }), 'http://127.0.0.1:8000')
  t.equal(publicUrl({ PUBLIC_URL: '', HOST: '::1', PORT: 8000 }), 'http://[::1]:8000')
  t.equal(publicUrl({ PUBLIC_URL: 'https://books.example.com/', HOST: '0.0.0.0', PORT: 8000 }), 'https://books.example.com')
  t.equal(lifetime(86400), '24 hours')
  t.equal(lifetime(3600), '1 hour')
  t.equal(lifetime(90), '90 seconds')
  t.equal(lifetime(0.5), '1 second')
})

test('mail settings are checked at start', async (t) => {
  for (const [name, value] of [
    ['PASSWORD_RESET_URL', 'https://app.example.com/reset'],
    ['PASSWORD_RESET_URL', 'javascript:{token}'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['PUBLIC_URL', 'books.example.com'],
    ['EMAIL_VERIFICATION_TTL', 0],
    ['PASSWORD_RESET_TTL', -1],
    ['MAIL_MAX_ATTEMPTS', 0]
  ] as const) {
    t.throws(() => testConfig({ [name]: value }), new RegExp(name), `${name}=${value} is refused`)
  }
  const accepted = testConfig({ SMTP_URL: 'smtps://user:secret@mail.example.com:465', EMAIL_VERIFICATION_TTL: '0.5', PASSWORD_RESET_URL: 'https://a.example/r?token={token}' })
  t.equal(accepted.EMAIL_VERIFICATION_TTL, 0.5, 'any positive number of seconds')
})
