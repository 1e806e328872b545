// npm run keys:rotate [-- --now]: a new signing key, published at once, signing after KEY_PUBLISH_DELAY (or at once).
import { keySettings, rotateKeys } from '../plugins/app/keys/key-lifecycle.js'
import { parseCliArgs, runAsProgram, withDatabase, type Command } from './command.js'

const usage = 'usage: npm run keys:rotate [-- --now]'

export const keysRotate: Command = async (args, context) => {
  const { values } = parseCliArgs({ args, options: { now: { type: 'boolean', default: false } } }, usage)
  const settings = keySettings(context.config)
  return withDatabase(context, async (db) => {
    const { kid, signsFrom, previous } = await rotateKeys(db, settings, { now: values.now })
    const taking = previous === undefined ? '' : `; ${previous} becomes previous and verifies until its tokens have expired`
    return signsFrom.getTime() > Date.now()
      ? `key ${kid} is published and signs from ${signsFrom.toISOString()}; ${previous ?? 'the current key'} signs until then`
      : `key ${kid} signs from now on${taking}`
  })
}

await runAsProgram(import.meta.url, 'keys:rotate', keysRotate)
