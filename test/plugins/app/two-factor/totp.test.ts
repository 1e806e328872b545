// TOTP as RFC 6238 defines it (its SHA-1 test vectors, cut to 6 digits), the skew allowed, the
// enrolment URI, and recovery codes.
import { test } from 'tap'
import { URL } from 'node:url'
import { Secret } from 'otpauth'
import { codeAt, codeStep, newTotpSecret, otpauthUri, qrCodeDataUrl, CODE_PATTERN } from '../../../../plugins/app/two-factor/totp.js'
import { hashRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT, RECOVERY_CODE_PATTERN } from '../../../../plugins/app/two-factor/recovery-codes.js'

// RFC 6238 appendix B: the ASCII secret "12345678901234567890", SHA-1, 8 digits; the last 6 here.
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32
const VECTORS: Array<[number, string]> = [
  [59, '287082'], [1111111109, '081804'], [1111111111, '050471'], [1234567890, '005924'], [2000000000, '279037']
]

test('codes are RFC 6238 codes, and each names its 30-second step', async (t) => {
  for (const [seconds, code] of VECTORS) {
    t.equal(codeAt(RFC_SECRET, seconds * 1000), code, `T=${seconds}`)
    t.equal(codeStep(RFC_SECRET, code, seconds * 1000), Math.floor(seconds / 30))
  }
})

test('a code counts for one step either side of now, not two', async (t) => {
  const secret = newTotpSecret()
  const now = 1_800_000_015_000
  const step = Math.floor(now / 30_000)
  t.equal(codeStep(secret, codeAt(secret, now), now), step)
  t.equal(codeStep(secret, codeAt(secret, now - 30_000), now), step - 1, 'the app\'s clock behind')
  t.equal(codeStep(secret, codeAt(secret, now + 30_000), now), step + 1, 'the app\'s clock ahead')
  t.equal(codeStep(secret, codeAt(secret, now - 60_000), now), undefined)
  t.equal(codeStep(secret, codeAt(secret, now + 60_000), now), undefined)
  t.equal(codeStep(secret, codeAt(newTotpSecret(), now), now), undefined, 'another secret\'s code')
})

test('a new secret has 160 random bits in base32, and the URI is what authenticator apps read', async (t) => {
  const secrets = new Set(Array.from({ length: 50 }, newTotpSecret))
  t.equal(secrets.size, 50)
  for (const secret of secrets) t.match(secret, /^[A-Z2-7]{32}$/)
  const [secret] = secrets
  const uri = new URL(otpauthUri(secret!, 'Bookly Test', 'ada@example.com'))
  t.equal(uri.protocol, 'otpauth:')
  t.equal(uri.host, 'totp')
  t.equal(decodeURIComponent(uri.pathname), '/Bookly Test:ada@example.com')
  t.same(Object.fromEntries(uri.searchParams), { issuer: 'Bookly Test', secret, algorithm: 'SHA1', digits: '6', period: '30' })
})

test('the QR code is a PNG data URL', async (t) => {
  const url = await qrCodeDataUrl(otpauthUri(newTotpSecret(), 'Bookly', 'ada@example.com'))
  t.match(url, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/)
  const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature')
  t.equal(png.readUInt32BE(16), 240, 'width')
  t.equal(png.readUInt32BE(20), 240, 'height')
})

test('the body pattern takes 6 digits only', async (t) => {
  const pattern = new RegExp(CODE_PATTERN)
  t.ok(pattern.test('012345'))
  for (const bad of ['12345', '1234567', '12345a', ' 123456', '123456\n', '１２３４５６']) t.notOk(pattern.test(bad), JSON.stringify(bad))
})

test('recovery codes: ten, distinct, 80 bits as four groups, hashed in one canonical form', async (t) => {
  const { codes, hashes } = newRecoveryCodes()
  t.equal(codes.length, RECOVERY_CODE_COUNT)
  t.equal(new Set(codes).size, RECOVERY_CODE_COUNT)
  const pattern = new RegExp(RECOVERY_CODE_PATTERN)
  for (const code of codes) {
    t.match(code, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/)
    t.ok(pattern.test(code))
  }
  const [code] = codes
  t.same(hashes[0], hashRecoveryCode(code!))
  for (const form of [code!.toUpperCase(), code!.replaceAll('-', ''), code!.replaceAll('-', ' ')]) {
    t.ok(pattern.test(form), form)
    t.same(hashRecoveryCode(form), hashes[0], `${form} is the same code`)
  }
  t.notSame(hashes[0], hashes[1])
  // Every character of the alphabet turns up over many codes: none is left out by the encoding.
  const seen = new Set(Array.from({ length: 40 }, () => newRecoveryCodes().codes.join('')).join('').replaceAll('-', ''))
  t.equal(seen.size, 32)
})
