// The mails of this feature (verification, password reset, e-mail change) and the shape of every
// notice: a plain-text and an HTML part, with every value that a user chose (their name, an address,
// their user agent) or that ends up in markup (the link) escaped for HTML.
import escapeHtml from 'escape-html'
import type { EventOrigin } from '../security-events/security-events-repository.js'
import type { MailContent } from './account-tokens-repository.js'

export interface Recipient {
  first_name: string
  username: string
}

// "24 hours", "1 hour", "15 minutes", "30 seconds": the lifetime as the mail states it.
export function lifetime (seconds: number): string {
  const [amount, unit] = seconds >= 3600 && seconds % 3600 === 0
    ? [seconds / 3600, 'hour']
    : seconds >= 60 && seconds % 60 === 0 ? [seconds / 60, 'minute'] : [Math.ceil(seconds), 'second']
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`
}

const greetingName = (recipient: Recipient) => recipient.first_name.trim() || recipient.username

// A mail with a link to act on.
function compose (recipient: Recipient, subject: string, lead: string, action: string, link: string, closing: string): MailContent {
  const name = greetingName(recipient)
  const text = [`Hello ${name},`, '', lead, '', link, '', closing, '', '- Bookly'].join('\n')
  const html = [
    '<!doctype html>',
    '<html><body>',
    `<p>Hello ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
    `<p>If the button does not work, copy this address into your browser:<br>${escapeHtml(link)}</p>`,
    `<p>${escapeHtml(closing)}</p>`,
    '<p>- Bookly</p>',
    '</body></html>'
  ].join('\n')
  return { subject, text, html }
}

export function verificationMail (recipient: Recipient, link: string, ttlSeconds: number): MailContent {
  return compose(recipient, 'Verify your e-mail address for Bookly',
    'Please confirm that this is your e-mail address by opening the link below.',
    'Verify my e-mail address', link,
    `The link works for ${lifetime(ttlSeconds)}. If you did not sign up for Bookly, ignore this message.`)
}

export function passwordResetMail (recipient: Recipient, link: string, ttlSeconds: number): MailContent {
  return compose(recipient, 'Reset your Bookly password',
    'Someone asked to reset the password of your Bookly account. Open the link below to choose a new one.',
    'Choose a new password', link,
    `The link works once, for ${lifetime(ttlSeconds)}. If you did not ask for it, ignore this message: your password stays as it is.`)
}

export function emailChangeMail (recipient: Recipient, link: string, ttlSeconds: number): MailContent {
  return compose(recipient, 'Confirm your new e-mail address for Bookly',
    'Someone asked to make this the e-mail address of a Bookly account. Open the link below to confirm it: every session of the account then ends, and it logs in with this address.',
    'Confirm my new e-mail address', link,
    `The link works once, for ${lifetime(ttlSeconds)}. If you did not ask for it, ignore this message: nothing changes.`)
}

// A notice: news of the account with no link, the facts as a list.
export function notice (recipient: Recipient, subject: string, lead: string, facts: string[], advice: string): MailContent {
  const name = greetingName(recipient)
  const text = [`Hello ${name},`, '', lead, '', ...facts, '', advice, '', '- Bookly'].join('\n')
  const html = [
    '<!doctype html>',
    '<html><body>',
    `<p>Hello ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<ul>${facts.map((fact) => `<li>${escapeHtml(fact)}</li>`).join('')}</ul>`,
    `<p>${escapeHtml(advice)}</p>`,
    '<p>- Bookly</p>',
    '</body></html>'
  ].join('\n')
  return { subject, text, html }
}

// Where the request a notice tells of came from, and when (now, unless said).
export const originFacts = (origin: EventOrigin): string[] => [
  `When: ${(origin.at ?? new Date()).toUTCString()}`,
  `IP address: ${origin.ip ?? 'unknown'}`,
  `Browser or app: ${origin.userAgent?.slice(0, 200) || 'unknown'}`
]

// To the current address: no link, so a change the owner did not ask for is news to them in time.
export function emailChangeNotice (recipient: Recipient, newEmail: string, origin: EventOrigin): MailContent {
  return notice(recipient, 'Your Bookly e-mail address is about to change',
    `Someone asked to change the e-mail address of your Bookly account to ${newEmail}. Nothing changes until the link sent to that address is opened.`,
    [`New address: ${newEmail}`, ...originFacts(origin)],
    'If this was you, there is nothing to do. If it was not, someone knows your password: change it now, which cancels the change, and log out every other session (logout with scope=others).')
}
