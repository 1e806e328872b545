import { test } from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { EMBEDDED_POSTGRES_MAJOR } from '../../db/connect.js'

test('the embedded PostgreSQL major version is the one data directories are checked against', async (t) => {
  const pglite = await PGlite.create('memory://')
  t.teardown(() => pglite.close())
  const { rows } = await pglite.query<{ major: string }>("select split_part(current_setting('server_version'), '.', 1) as major")
  t.equal(rows[0]?.major, EMBEDDED_POSTGRES_MAJOR)
})
