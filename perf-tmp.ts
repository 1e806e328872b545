import { build } from './test/helper.js'
const t = { teardown () {} }
const app = await build(t)
const many = (n: number) => JSON.stringify({ username: 'r', email: 'a@b.co', password: 'x'.repeat(8), first_name: '', last_name: '', ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, 0])) })
for (const n of [10, 1000, 50_000, 140_000]) {
  const payload = many(n)
  const runs = n > 10_000 ? 10 : 200
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'application/json' }, payload })
  const t0 = process.hrtime.bigint()
  let status = 0
  for (let i = 0; i < runs; i++) status = (await app.inject({ method: 'POST', url: '/api/v1/auth/signup', headers: { 'content-type': 'application/json' }, payload })).statusCode
  console.log(`${n} unknown fields (${(payload.length / 1024).toFixed(0)} KiB): ${(Number(process.hrtime.bigint() - t0) / runs / 1e6).toFixed(2)} ms per request, ${status}`)
}
await app.close()
process.exit(0)
