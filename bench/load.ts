// One autocannon run from this process, with latencies and statuses recorded per response.
import autocannon from 'autocannon'
import { cpuSeconds, cpuSince, type CpuTimes } from './children.js'

export interface LoadSpec {
  url: string
  connections: number
  duration: number
  expectStatus: number
  // The serving process, whose CPU time per response is reported.
  pid?: number
  method?: 'GET' | 'POST'
  path?: string
  headers?: Record<string, string>
  body?: string
  // Dynamic requests (a new e-mail each time, a chained refresh token).
  requests?: autocannon.Request[]
  // One request per connection, all at once, instead of a load for `duration`.
  once?: boolean
  // Requests per second over all connections (an open-loop rate), instead of as fast as answered.
  overallRate?: number
  // Answers with this status are counted as shed, not as errors.
  shedStatus?: number
}

export interface Measurement {
  rps: number
  p50: number
  p99: number
  responses: number
  // CPU milliseconds the serving process spent per response: steadier than req/s on a shared machine.
  cpuMs: number
  // The same for its main thread alone: the work outside hashing that one thread does for every
  // request, which caps the requests per second however many cores hash.
  mainCpuMs: number
  // Responses with another status than expected, connection errors and timeouts.
  failures: number
  failureDetail: string
  // Responses with the spec's shedStatus, and those per second.
  shed: number
  shedRps: number
}

export function percentile (sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

// `cpu`: the serving process's CPU seconds over the run; main unknown (NaN) for the raw argon2 child.
export function summarise (latencies: number[], seconds: number, cpu: CpuTimes, failures = 0, failureDetail = '', shed = 0): Measurement {
  const sorted = Float64Array.from(latencies).sort()
  return {
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    responses: latencies.length,
    cpuMs: (cpu.all * 1000) / latencies.length,
    mainCpuMs: (cpu.main * 1000) / latencies.length,
    failures,
    failureDetail,
    shed,
    shedRps: shed / seconds
  }
}

export async function runLoad (spec: LoadSpec): Promise<Measurement> {
  const latencies: number[] = []
  const unexpected = new Map<number, number>()
  let finish: (err: unknown, result: autocannon.Result) => void = () => {}
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (err, result) => err ? reject(err) : resolve(result)
  })
  const cpuBefore = spec.pid === undefined ? undefined : cpuSeconds(spec.pid)
  const instance = autocannon({
    url: spec.url + (spec.path ?? '/'),
    connections: spec.connections,
    duration: spec.duration,
    method: spec.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: spec.body,
    requests: spec.requests,
    ...(spec.once === true ? { amount: spec.connections } : {}),
    ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate })
  }, (err, result) => finish(err, result))
  let shed = 0
  instance.on('response', (_client, status, _bytes, time) => {
    if (status === spec.expectStatus) latencies.push(time)
    else if (status === spec.shedStatus) shed++
    else unexpected.set(status, (unexpected.get(status) ?? 0) + 1)
  })
  const result = await done
  const cpu = spec.pid === undefined || cpuBefore === undefined ? { all: Number.NaN, main: Number.NaN } : cpuSince(spec.pid, cpuBefore)
  const bad = [...unexpected.values()].reduce((a, b) => a + b, 0)
  const detail = [
    ...[...unexpected].map(([status, n]) => `${n}× HTTP ${status}`),
    ...(result.errors > 0 ? [`${result.errors} connection errors (${result.timeouts} timeouts)`] : [])
  ].join(', ')
  return summarise(latencies, result.duration, cpu, bad + result.errors, detail, shed)
}
