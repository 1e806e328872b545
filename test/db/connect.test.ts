import { test } from 'tap'
import { createServer, type AddressInfo } from 'node:net'
import { connect, EMBEDDED_POSTGRES_MAJOR } from '../../db/connect.js'
import { adminUrl, migratedPglite, onPostgres } from '../helpers/databases.js'

test('the embedded PostgreSQL major version is the one data directories are checked against', async (t) => {
  const pglite = await migratedPglite()
  t.teardown(() => pglite.close())
  const { rows } = await pglite.query<{ major: string }>("select split_part(current_setting('server_version'), '.', 1) as major")
  t.equal(rows[0]?.major, EMBEDDED_POSTGRES_MAJOR)
})

// A port nothing listens on: taken from the system, then released.
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

// The message connect() stops with for a DATABASE_URL.
async function refusal (databaseUrl: string): Promise<string> {
  const handle = await connect({ databaseUrl, dataDir: '' }).catch((err: Error) => err)
  if (!(handle instanceof Error)) {
    await handle.close()
    throw new Error(`connected to ${databaseUrl}`)
  }
  return handle.message
}

test('an unreachable DATABASE_URL is named as such, without its password', async (t) => {
  const port = await closedPort()
  t.equal(await refusal(`postgres://bookly:hunter2@127.0.0.1:${port}/bookly?password=hunter2`),
    `DATABASE_URL postgres://bookly@127.0.0.1:${port}/bookly is unreachable: connection refused (is PostgreSQL running on that host and port?)`)
  t.equal(await refusal('postgres://bookly:hunter2@no-such-host.invalid:5432/bookly'),
    'DATABASE_URL postgres://bookly@no-such-host.invalid:5432/bookly is unreachable: host not found')
})

// On the PostgreSQL run, which has a server to refuse.
if (onPostgres) {
  test('a DATABASE_URL whose server refuses the login or lacks the database says which', async (t) => {
    const server = new URL(adminUrl)
    const withPassword = (user: string, database: string) => `postgres://${user}:hunter2@${server.host}/${database}`
    const noRole = await refusal(withPassword('no_such_role', 'postgres'))
    t.match(noRole, /^DATABASE_URL postgres:\/\/no_such_role@[^ ]+\/postgres refused the login: role "no_such_role" does not exist/)
    const noDatabase = await refusal(withPassword(server.username || 'postgres', 'no_such_database'))
    t.match(noDatabase, /^DATABASE_URL postgres:\/\/\w+@[^ ]+\/no_such_database is unusable: database "no_such_database" does not exist/)
    t.notMatch(noRole + noDatabase, /hunter2/)
  })
}
