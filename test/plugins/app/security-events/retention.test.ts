// The security events sweep: events older than SECURITY_EVENT_RETENTION go, newer ones stay.
import { test } from 'tap'
import { sql } from 'kysely'
import { build } from '../../../helper.js'
import { freshDatabase } from '../../../helpers/databases.js'
import { signupAndLogin } from '../../../helpers/fixtures.js'
import { SECURITY_EVENTS_SWEEP } from '../../../../plugins/app/security-events/retention.js'

const RETENTION = 7200

test('the sweep deletes events older than the retention, in batches, and keeps newer ones', async (t) => {
  const app = await build(t, { database: await freshDatabase(), config: { SECURITY_EVENT_RETENTION: RETENTION } })
  const user = await signupAndLogin(app)
  await app.afterAnswer.settled()
  const old = sql<Date>`now() - make_interval(secs => ${RETENTION + 60})`
  const recent = sql<Date>`now() - make_interval(secs => ${RETENTION - 60})`
  // More old rows than one batch holds on either database.
  await sql`insert into security_events (user_uid, type, created_at)
    select ${user.uid}, 'login_failed', ${old} from generate_series(1, 1100)`.execute(app.db)
  await sql`insert into security_events (user_uid, type, created_at) values (${user.uid}, 'password_changed', ${recent})`.execute(app.db)

  t.same(await app.periodicSweeps.run(SECURITY_EVENTS_SWEEP), { security_events: 1100 })
  const left = await app.db.selectFrom('security_events').select('type').orderBy('id').execute()
  t.same(left.map((row) => row.type), ['login', 'password_changed'], 'the recent ones stay')
  t.same(await app.periodicSweeps.run(SECURITY_EVENTS_SWEEP), { security_events: 0 })
})

test('deleting an account deletes its events', async (t) => {
  const app = await build(t, { database: await freshDatabase() })
  const user = await signupAndLogin(app)
  await app.afterAnswer.settled()
  await app.db.deleteFrom('users').where('uid', '=', user.uid).execute()
  const left = await app.db.selectFrom('security_events').select('id').where('user_uid', '=', user.uid).execute()
  t.same(left, [])
})
