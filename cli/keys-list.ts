// npm run keys:list: the signing keys, their states and when they change.
import { keySettings } from '../plugins/app/keys/key-lifecycle.js'
import { createKeysRepository } from '../plugins/app/keys/keys-repository.js'
import type { SigningKey } from '../db/types.js'
import { parseCliArgs, runAsProgram, withDatabase, type Command } from './command.js'

const usage = 'usage: npm run keys:list'

function describe (key: SigningKey, retention: number): string {
  const since = `since ${key.state_at.toISOString()}`
  if (key.state === 'next') return `${since}, signs from ${key.activates_at?.toISOString() ?? 'now'}`
  if (key.state === 'previous') return `${since}, retires at ${new Date(key.state_at.getTime() + retention * 1000).toISOString()}`
  return since
}

export const keysList: Command = async (args, context) => {
  parseCliArgs({ args, options: {} }, usage)
  const { alg, retention } = keySettings(context.config)
  return withDatabase(context, async (db) => {
    const keys = await createKeysRepository(db).list()
    if (keys.length === 0) {
      return alg === undefined
        ? `no signing keys: JWT_ALGORITHM ${context.config.JWT_ALGORITHM} signs with JWT_SECRET`
        : 'no signing keys yet: the first start makes one'
    }
    return keys.map((key) => `${key.kid}  ${key.alg.padEnd(5)}  ${key.state.padEnd(8)}  ${describe(key, retention)}`).join('\n')
  })
}

await runAsProgram(import.meta.url, 'keys:list', keysList)
