// Every setting the configuration schema knows is documented where an operator looks: a line of
// its own in .env.example (commented out when its default depends on the machine) and a row of
// the README's configuration table.
import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigSchema } from '../../config/schema.js'

const root = join(import.meta.dirname, '../..')
const envExample = readFileSync(join(root, '.env.example'), 'utf8')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const configurationTable = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Endpoints'))

test('each setting has its line in .env.example and its row in the README', async (t) => {
  const keys = Object.keys(ConfigSchema.properties)
  t.ok(keys.length > 40, `${keys.length} settings`)
  for (const key of keys) {
    t.match(envExample, new RegExp(`^(# )?${key}=`, 'm'), `.env.example sets ${key}`)
    t.match(configurationTable, new RegExp(`^\\| [^|\\n]*\`${key}\`[^|\\n]*\\|`, 'm'), `the README's table has ${key}`)
  }
})
