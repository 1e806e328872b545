// npm run user:role -- --email a@b.c --role admin|user: change a role; the user's sessions end.
import type { Role } from '../db/types.js'
import { createUsersRepository } from '../plugins/app/users-repository.js'
import { createSessionsRepository } from '../plugins/app/sessions-repository.js'
import { canonicalEmail } from '../lib/users.js'
import { CliError, parseCliArgs, runCli, withDatabase } from './command.js'

const usage = 'usage: npm run user:role -- --email <email> --role admin|user'
const roles: readonly Role[] = ['user', 'admin']
const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value)

await runCli('user:role', async () => {
  const { values } = parseCliArgs({ options: { email: { type: 'string' }, role: { type: 'string' } } }, usage)
  if (values.email === undefined || values.role === undefined) throw new CliError(`--email and --role are required; ${usage}`)
  const role = values.role
  if (!isRole(role)) throw new CliError(`--role must be one of: ${roles.join(', ')}`)
  const email = canonicalEmail(values.email)

  return withDatabase(async (db) => {
    const users = createUsersRepository(db)
    const user = await users.findByEmail(email)
    if (user === undefined) throw new CliError(`no user with e-mail ${email}`)
    const result = await users.changeAccount(user.uid, { role })
    if (result === undefined) throw new CliError(`no user with e-mail ${email}`)
    if (!result.roleChanged) return `${email} already has role ${role}`
    // Tokens carry the role: running servers hear of these revocations through the database.
    const ended = await createSessionsRepository(db).revoke({ userUid: user.uid }, 'role_changed')
    return `${email} now has role ${role}; ${ended.length} session(s) ended`
  })
})
