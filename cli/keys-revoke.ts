// npm run keys:revoke -- KID: a key that no longer signs stops verifying at once; the sessions it signed end.
import { revokeKey } from '../plugins/app/keys/key-lifecycle.js'
import { CliError, runAsProgram, withDatabase, type Command } from './command.js'

const usage = 'usage: npm run keys:revoke -- <kid>'

export const keysRevoke: Command = async (args, context) => {
  // Taken as given, not parsed as options: a key id (base64url) may start with '-'.
  const [kid, ...extra] = args[0] === '--' ? args.slice(1) : args
  if (kid === undefined || extra.length > 0) throw new CliError(`one key id is required; ${usage}`)
  return withDatabase(context, async (db) => {
    const ended = await revokeKey(db, kid, context.config)
    return `key ${kid} revoked; ${ended} session(s) ended`
  })
}

await runAsProgram(import.meta.url, 'keys:revoke', keysRevoke)
