// npm run user:role -- --email a@b.c --role admin|user: change a role; the user's sessions end.
import { ROLES, type Role } from '../db/types.js'
import { canonicalEmail } from '../schemas/users.js'
import { createUsersRepository } from '../plugins/app/users/users-repository.js'
import { createSessionsRepository } from '../plugins/app/sessions/sessions-repository.js'
import { createSecurityEventsRepository } from '../plugins/app/security-events/security-events-repository.js'
import { CliError, parseCliArgs, runAsProgram, withDatabase, type Command } from './command.js'

const usage = 'usage: npm run user:role -- --email <email> --role admin|user'
const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value)

export const userRole: Command = async (args, context) => {
  const { values } = parseCliArgs({ args, options: { email: { type: 'string' }, role: { type: 'string' } } }, usage)
  if (values.email === undefined || values.role === undefined) throw new CliError(`--email and --role are required; ${usage}`)
  const role = values.role
  if (!isRole(role)) throw new CliError(`--role must be one of: ${ROLES.join(', ')}`)
  const email = canonicalEmail(values.email)

  return withDatabase(context, async (db) => {
    const users = createUsersRepository(db)
    const user = await users.findByEmail(email)
    if (user === undefined) throw new CliError(`no user with e-mail ${email}`)
    const result = await users.changeAccount(user.uid, { role })
    if (result === undefined) throw new CliError(`no user with e-mail ${email}`)
    if (!result.roleChanged) return `${email} already has role ${role}`
    // Tokens carry the role: running servers hear of these revocations through the database.
    const sessions = createSessionsRepository(db, { idleTtl: context.config.REFRESH_TOKEN_TTL })
    const ended = await sessions.revoke({ userUid: user.uid }, 'role_changed')
    await createSecurityEventsRepository(db).record({ userUid: user.uid, type: 'role_changed', detail: { from: result.previousRole, to: role, by: 'cli' } })
    return `${email} now has role ${role}; ${ended.length} session(s) ended`
  })
}

await runAsProgram(import.meta.url, 'user:role', userRole)
