import { test } from 'tap'
import { EMBEDDED_POSTGRES_MAJOR } from '../../db/connect.js'
import { migratedPglite } from '../helpers/databases.js'

test('the embedded PostgreSQL major version is the one data directories are checked against', async (t) => {
  const pglite = await migratedPglite()
  t.teardown(() => pglite.close())
  const { rows } = await pglite.query<{ major: string }>("select split_part(current_setting('server_version'), '.', 1) as major")
  t.equal(rows[0]?.major, EMBEDDED_POSTGRES_MAJOR)
})
