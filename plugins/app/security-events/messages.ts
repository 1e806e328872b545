// The new-device notice: plain text and HTML, with every value a client chose (the user agent, the
// name) escaped for HTML.
import escapeHtml from 'escape-html'
import type { MailContent } from '../account-email/account-tokens-repository.js'
import type { Recipient } from '../account-email/messages.js'

export interface NewDevice {
  at: Date
  ip: string | undefined
  userAgent: string | undefined
}

export function newDeviceMail (recipient: Recipient, device: NewDevice): MailContent {
  const name = recipient.first_name.trim() || recipient.username
  const facts = [
    `When: ${device.at.toUTCString()}`,
    `IP address: ${device.ip ?? 'unknown'}`,
    `Browser or app: ${device.userAgent?.slice(0, 200) || 'unknown'}`
  ]
  const lead = 'Your Bookly account was just logged in to from a device it had not been used from before.'
  const advice = 'If this was you, there is nothing to do. If it was not, change your password now and log out every other session (logout with scope=others).'
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
  return { subject: 'New login to your Bookly account', text, html }
}
