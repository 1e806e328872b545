// npm run user:create -- --email a@b.c [--admin] [--username ...]: create an account, e.g. the first admin.
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import { SignupBody, canonicalEmail } from '../schemas/users.js'
import { createUsersRepository } from '../plugins/app/users/users-repository.js'
import { createPasswords } from '../plugins/app/passwords/passwords.js'
import { createPasswordPolicy, type PasswordContext } from '../plugins/app/passwords/password-policy.js'
import { AppError } from '../plugins/app/http/errors.js'
import type { Config } from '../config/schema.js'
import { assertDatabaseFree, CliError, parseCliArgs, runAsProgram, withDatabase, type Command } from './command.js'
import { readPassword } from './read-password.js'

const usage = 'usage: npm run user:create -- --email <email> [--admin] [--username <name>] [--first-name <name>] [--last-name <name>]'

// The signup body's own schema and formats: the CLI creates only accounts signup would accept.
const ajv = new Ajv()
formats.default(ajv)
const validateSignup = ajv.compile(SignupBody)

// The flag (or the prompt) a signup field came from.
const source = (path: string) => path === '/password' ? 'password' : `--${path.slice(1).replaceAll('_', '-')}`

// The policy signup applies, before the database is opened: its refusal is the command's one line.
async function meetsPolicy (config: Config, password: string, profile: PasswordContext): Promise<void> {
  const policy = await createPasswordPolicy(config, (details, message) =>
    console.error(`bookly user:create: ${message} ${JSON.stringify(details)}`))
  try {
    await policy.check(password, profile, 'password')
  } catch (err) {
    if (err instanceof AppError) throw new CliError(err.message)
    throw err
  }
}

export const userCreate: Command = async (args, context) => {
  const { values } = parseCliArgs({
    args,
    options: {
      email: { type: 'string' },
      username: { type: 'string' },
      'first-name': { type: 'string', default: '' },
      'last-name': { type: 'string', default: '' },
      admin: { type: 'boolean', default: false },
      // Possible, but it lands in shell history and `ps`: prefer the prompt or stdin.
      password: { type: 'string' }
    }
  }, usage)
  if (values.email === undefined) throw new CliError(`--email is required; ${usage}`)
  const email = canonicalEmail(values.email)
  await assertDatabaseFree(context)
  const body = {
    username: values.username ?? email.split('@')[0]?.slice(0, 50) ?? '',
    first_name: values['first-name'],
    last_name: values['last-name'],
    email,
    password: values.password ?? await readPassword(context.stdin)
  }
  if (!validateSignup(body)) {
    const [error] = validateSignup.errors ?? []
    throw new CliError(`${source(error?.instancePath ?? '')} ${error?.message ?? 'is invalid'}`)
  }
  const role = values.admin ? 'admin' : 'user'
  const { password, ...profile } = body
  await meetsPolicy(context.config, password, profile)
  // One command, one hash: the server's concurrency limits do not apply.
  const passwords = await createPasswords({ concurrency: 1, maxWaitMs: 0 })
  // Verified: the operator vouches for the address, and no mail is sent (with REQUIRE_VERIFIED_EMAIL
  // the first admin could not log in otherwise).
  const user = await withDatabase(context, async (db) =>
    createUsersRepository(db).create({ ...profile, role, is_verified: true, password_hash: await passwords.hash(password) }))
  if (user === undefined) throw new CliError(`a user with e-mail ${email} already exists`)
  return `created ${role} ${user.email} (${user.uid})`
}

await runAsProgram(import.meta.url, 'user:create', userCreate)
