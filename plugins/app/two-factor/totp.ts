// TOTP (RFC 6238) as authenticator apps know it: SHA-1, 6 digits, 30-second steps, a 160-bit
// secret. A code is accepted for its own step and one either side (clock skew); the caller
// records the step, so that no code is accepted twice.
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'

const PERIOD = 30
const DIGITS = 6
// RFC 4226 recommends 160 bits, the length of SHA-1's output.
const SECRET_BYTES = 20
// Steps either side of the current one that still count.
const SKEW_STEPS = 1

export const CODE_PATTERN = `^[0-9]{${DIGITS}}$`

const totp = (secret: string, issuer = '', label = 'Bookly') =>
  new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD })

// A new secret, base32 as apps take it by hand.
export const newTotpSecret = (): string => new Secret({ size: SECRET_BYTES }).base32

// What an authenticator app scans: otpauth://totp/Issuer:label?secret=...&issuer=Issuer...
export const otpauthUri = (secret: string, issuer: string, label: string): string =>
  totp(secret, issuer, label).toString()

// The enrolment's QR code, as a PNG data URL a page can show in an <img>.
export const qrCodeDataUrl = (uri: string): Promise<string> =>
  QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 })

// The time step the code belongs to, or undefined when it is none of the steps allowed now.
export function codeStep (secret: string, code: string, now = Date.now()): number | undefined {
  const delta = totp(secret).validate({ token: code, timestamp: now, window: SKEW_STEPS })
  return delta === null ? undefined : TOTP.counter({ period: PERIOD, timestamp: now }) + delta
}

// The code of the step `now` falls in (tests, and an app's view of the secret).
export const codeAt = (secret: string, now = Date.now()): string => totp(secret).generate({ timestamp: now })
