import { test } from 'tap'
import '@fastify/under-pressure'
import { build } from '../../helper.js'

function blockEventLoop (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* busy: the event loop is saturated */ }
}

test('a saturated event loop sheds requests with 503 overloaded, but /health still answers', async (t) => {
  const app = await build(t, { config: { MAX_EVENT_LOOP_DELAY: 50, MAX_EVENT_LOOP_UTILIZATION: 0.98 } })
  // under-pressure samples once a second; keep the loop busy until a sample has seen it.
  const deadline = Date.now() + 10_000
  while (app.memoryUsage().eventLoopDelay <= 50 && Date.now() < deadline) {
    blockEventLoop(300)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.ok(app.memoryUsage().eventLoopDelay > 50, 'under pressure')

  const shed = await app.inject({ method: 'GET', url: '/api/v1/auth/me' })
  t.equal(shed.statusCode, 503)
  t.same(shed.json(), { statusCode: 503, error: 'Service Unavailable', error_code: 'overloaded', message: 'Server is busy, please retry shortly' })
  t.equal(shed.headers['retry-after'], '5')

  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
})

test('with the checks turned off nothing is shed', async (t) => {
  const app = await build(t, { config: { MAX_EVENT_LOOP_DELAY: 0, MAX_EVENT_LOOP_UTILIZATION: 0 } })
  t.equal(app.config.MAX_EVENT_LOOP_DELAY, 0)
  blockEventLoop(1200)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode, 401)
})
