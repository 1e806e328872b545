import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import '@fastify/under-pressure'
import { build } from '../../helper.js'
import { START_UP_GRACE_MS } from '../../../plugins/external/under-pressure.js'

function blockEventLoop (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* busy: the event loop is saturated */ }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Keeps the event loop saturated (busy 400 ms, 10 ms free) until `done`, or for 15 s at most.
async function saturate (done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!done() && Date.now() < deadline) {
    blockEventLoop(400)
    await sleep(10)
  }
}

// An app with load shedding at a 50 ms lag, and the moment it was ready.
async function buildShedding (t: Parameters<typeof build>[0], startUpMs = 0): Promise<{ app: FastifyInstance, readyAt: () => number }> {
  let readyAt = 0
  const app = await build(t, {
    config: { MAX_EVENT_LOOP_DELAY: 50, MAX_EVENT_LOOP_UTILIZATION: 0.98 },
    setup (app) {
      // Start-up work, after under-pressure began to sample.
      const until = Date.now() + startUpMs
      app.register(async () => saturate(() => Date.now() >= until))
      app.addHook('onReady', async () => { readyAt = Date.now() })
    }
  })
  return { app, readyAt: () => readyAt }
}

test('a saturated event loop sheds requests with 503 overloaded, but /health still answers', async (t) => {
  const { app, readyAt } = await buildShedding(t)
  // under-pressure samples once a second; keep the loop busy until a sample taken after the
  // start-up grace has seen it.
  await saturate(() => app.memoryUsage().eventLoopDelay > 50 && Date.now() - readyAt() >= START_UP_GRACE_MS)
  t.ok(app.memoryUsage().eventLoopDelay > 50, 'under pressure')

  const shed = await app.inject({ method: 'GET', url: '/api/v1/auth/me' })
  t.equal(shed.statusCode, 503)
  t.same(shed.json(), { statusCode: 503, error: 'Service Unavailable', error_code: 'overloaded', message: 'Server is busy, please retry shortly' })
  t.equal(shed.headers['retry-after'], '5')

  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
})

// On a slow or crowded machine start-up holds the loop for seconds, and the first samples after
// ready still show it. A server that has just said it is ready serves its first requests.
test('start-up work that held the event loop sheds nothing in the first samples after ready', async (t) => {
  const { app, readyAt } = await buildShedding(t, 1500)
  // Until a sample shows the lag (the first after ready may have come before the start-up work).
  await saturate(() => app.memoryUsage().eventLoopDelay > 50 || Date.now() - readyAt() >= START_UP_GRACE_MS)
  t.ok(app.memoryUsage().eventLoopDelay > 50, `a sample shows the lag (${Math.round(app.memoryUsage().eventLoopDelay)} ms)`)
  t.ok(Date.now() - readyAt() < START_UP_GRACE_MS, 'within the start-up grace')
  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me' })
  t.equal(res.statusCode, 401, 'served, not shed')
})

test('with the checks turned off nothing is shed', async (t) => {
  const app = await build(t, { config: { MAX_EVENT_LOOP_DELAY: 0, MAX_EVENT_LOOP_UTILIZATION: 0 } })
  t.equal(app.config.MAX_EVENT_LOOP_DELAY, 0)
  await sleep(START_UP_GRACE_MS)
  blockEventLoop(1200)
  await sleep(1100)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode, 401)
})
