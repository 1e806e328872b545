// The new-device notice, with every value a client chose (the user agent, the name) escaped for
// HTML by the notice it is made as.
import type { MailContent } from '../account-email/account-tokens-repository.js'
import { notice, originFacts, type Recipient } from '../account-email/messages.js'
import type { EventOrigin } from './security-events-repository.js'

export function newDeviceMail (recipient: Recipient, device: EventOrigin): MailContent {
  return notice(recipient, 'New login to your Bookly account',
    'Your Bookly account was just logged in to from a device it had not been used from before.',
    originFacts(device),
    'If this was you, there is nothing to do. If it was not, change your password now and log out every other session (logout with scope=others).')
}
