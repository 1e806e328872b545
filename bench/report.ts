// The bench's one table, its rows and targets from scenarios.ts: text for the terminal, Markdown for RESULTS.md.
import type { Measurement } from './load.js'
import { connectionsOf, scenarios, type Connections, type Scenario, type Target } from './scenarios.js'

export interface Row {
  scenario: string
  connections: string
  rps: string
  p50: string
  p99: string
  cpu: string
  mainCpu: string
  against: string
  ratio: string
  target: string
  met: string
}

export const columns: Array<[keyof Row, string]> = [
  ['scenario', 'scenario'],
  ['connections', 'conns'],
  ['rps', 'req/s'],
  ['p50', 'p50 ms'],
  ['p99', 'p99 ms'],
  ['cpu', 'CPU ms/req'],
  ['mainCpu', 'main thread ms/req'],
  ['against', 'compared with'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['met', 'met']
]

const numeric = new Set<keyof Row>(['connections', 'rps', 'p50', 'p99', 'cpu', 'mainCpu', 'ratio'])

export function textTable (rows: Row[]): string {
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)))
  const line = (cells: string[]) => cells.map((cell, i) => {
    const key = columns[i]?.[0]
    const width = widths[i] ?? 0
    return key !== undefined && numeric.has(key) ? cell.padStart(width) : cell.padEnd(width)
  }).join('  ').trimEnd()
  return [
    line(columns.map(([, title]) => title)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((row) => line(columns.map(([key]) => row[key])))
  ].join('\n')
}

export function markdownTable (header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|')
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)
  ].join('\n')
}

export function rowsMarkdown (rows: Row[]): string {
  return markdownTable(columns.map(([, title]) => title), rows.map((row) => columns.map(([key]) => row[key])))
}

export const fixed = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '' : n.toFixed(digits)

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[mid] ?? Number.NaN : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

// The service's resident memory before and at its peak during one run.
export interface PeakRss {
  before: number
  peak: number
}

export interface Results {
  runs: Map<string, Measurement[]>
  // By `${scenario} | ${other}`: for each run of the scenario, the other's run measured next to it.
  pairs: Map<string, Array<Measurement | undefined>>
  // By the name of the peak RSS scenario.
  peakRss: Map<string, PeakRss[]>
  // Scenarios this build cannot serve (no books API yet).
  unavailable: Set<string>
  connections: Record<Connections, number>
  // Smoke runs are too short to judge a target by.
  judged: boolean
  // The service's HASH_CONCURRENCY and HASH_MAX_WAIT_MS, for the overload's budget.
  hashThreads: number
  hashMaxWaitMs: number
}

type Field = keyof Pick<Measurement, 'rps' | 'p50' | 'p99' | 'cpuMs' | 'mainCpuMs' | 'shedRps'>

export function resultRows (results: Results): Row[] {
  const med = (name: string, field: Field) => median((results.runs.get(name) ?? []).map((m) => m[field]))
  // Each run of a scenario was measured right next to a run of its baseline: compare them pairwise,
  // so a burst of load from elsewhere on the machine moves one ratio, not the median.
  const pairedMedian = (name: string, against: string, field: Field, f: (a: number, b: number) => number) => {
    const others = results.pairs.get(`${name} | ${against}`) ?? []
    return median((results.runs.get(name) ?? []).map((m, i) => f(m[field], others[i]?.[field] ?? Number.NaN)))
  }
  const rpsRatio = (name: string, against: string) => pairedMedian(name, against, 'rps', (a, b) => a / b)
  const verdict = (ok: boolean) => !results.judged ? '(smoke)' : ok ? 'yes' : 'NO'

  const judge = (name: string, target: Target): Partial<Row> => {
    switch (target.kind) {
      case 'throughput': {
        const ratio = rpsRatio(name, target.against)
        // At this load every request is served: a 503 (or any other unexpected answer) fails the target.
        const failures = (results.runs.get(name) ?? []).reduce((n, m) => n + m.failures, 0)
        return {
          against: target.against,
          ratio: failures === 0 ? fixed(ratio, 3) : `${fixed(ratio, 3)}, ${failures} not served`,
          met: verdict(ratio >= target.atLeast && failures === 0)
        }
      }
      case 'all served': {
        const all = (results.runs.get(name) ?? []).every((m) => m.failures === 0 && m.shed === 0)
        return { ratio: all ? 'all answered' : 'some refused', met: verdict(all) }
      }
      case 'overload': {
        const goodput = rpsRatio(name, target.against)
        // One hash: the raw baseline's threads over its rate.
        const oneHashMs = (1000 * results.hashThreads) / med(target.against, 'rps')
        const budgetMs = results.hashMaxWaitMs + target.p99Hashes * oneHashMs
        const p99 = med(name, 'p99')
        const shed = (results.runs.get(name) ?? []).every((m) => m.shed > 0)
        return {
          against: target.against,
          ratio: `goodput ${fixed(goodput, 3)}, ${fixed(med(name, 'shedRps'))} shed/s, p99 ${fixed(p99, 0)} of ${fixed(budgetMs, 0)} ms`,
          met: verdict(goodput >= target.goodputAtLeast && p99 <= budgetMs && shed)
        }
      }
      case 'p50 spread': {
        const spread = pairedMedian(name, target.against, 'p50', (a, b) => Math.abs(a - b) / Math.min(a, b))
        return { against: `${target.against} (same time)`, ratio: `p50 differs ${fixed(spread * 100)}%`, met: verdict(spread <= target.atMost) }
      }
      case 'report':
        return {
          against: target.against,
          ratio: `${fixed(med(name, 'rps') / med(target.against, 'rps'), 2)} req/s, ${fixed(med(name, 'p99') / med(target.against, 'p99'), 1)}× p99`
        }
      case 'p99 ratio': {
        const ratio = med(name, 'p99') / med(target.against, 'p99')
        return { against: target.against, ratio: `${fixed(ratio, 2)}× p99, ${fixed(med(name, 'rps') / med(target.against, 'rps'), 2)} req/s`, met: verdict(ratio <= target.atMost) }
      }
      case 'peak rss': {
        const rss = results.peakRss.get(name) ?? []
        const peakMb = Math.max(...rss.map((r) => r.peak)) / 2 ** 20
        const beforeMb = Math.min(...rss.map((r) => r.before)) / 2 ** 20
        return { rps: '', p50: '', p99: '', cpu: '', mainCpu: '', against: `${fixed(peakMb)} MB (${fixed(beforeMb)} MB idle before)`, met: verdict(peakMb < target.belowMb) }
      }
    }
  }

  const row = (scenario: Scenario): Row => {
    const { name, target } = scenario
    const figures: Row = {
      scenario: name,
      connections: String(results.connections[connectionsOf(scenario)]),
      rps: fixed(med(name, 'rps')),
      p50: fixed(med(name, 'p50'), 2),
      p99: fixed(med(name, 'p99'), 2),
      cpu: fixed(med(name, 'cpuMs'), 3),
      mainCpu: fixed(med(name, 'mainCpuMs'), 3),
      against: '',
      ratio: '',
      target: target === undefined ? '' : targetText(target),
      met: ''
    }
    if (target === undefined) return figures
    if (results.unavailable.has(name)) return { ...figures, rps: 'not available', against: 'against' in target ? target.against : '' }
    // Left out of this run (BENCH_ONLY): nothing to judge.
    const ran = scenario.drive.kind === 'peak rss' ? results.peakRss.has(name) : results.runs.has(name)
    if (!ran) return { ...figures, ratio: 'not run' }
    const judged = { ...figures, ...judge(name, target) }
    if (scenario.alsoAgainst === undefined) return judged
    return { ...judged, ratio: `${judged.ratio} (${fixed(rpsRatio(name, scenario.alsoAgainst), 3)} of ${scenario.alsoAgainst})` }
  }
  return scenarios.map(row)
}

function targetText (target: Target): string {
  switch (target.kind) {
    case 'throughput': return `≥ ${target.atLeast.toFixed(2)}, all served`
    case 'p50 spread': return `≤ ${fixed(target.atMost * 100, 0)}%`
    case 'report': return 'report'
    case 'p99 ratio': return `p99 ≤ ${target.atMost.toFixed(1)}×`
    case 'peak rss': return `< ${target.belowMb} MB`
    case 'all served': return 'none refused'
    case 'overload': return `some shed, p99 ≤ wait budget + ${target.p99Hashes} hashes, goodput ≥ ${target.goodputAtLeast.toFixed(2)}`
  }
}

export function resultsMarkdown (info: { rows: Row[], meta: string[], runs: Map<string, Measurement[]>, repeat: number, problems: string[] }): string {
  const perRun = [...info.runs].map(([name, ms]) => [name, ...ms.map((m) => `${fixed(m.rps)} / ${fixed(m.p50, 2)} / ${fixed(m.p99, 2)} / ${fixed(m.cpuMs, 3)} / ${fixed(m.mainCpuMs, 3)}`)])
  return [
    '# Bookly benchmark results',
    '',
    `Generated by \`npm run bench\` on ${new Date().toISOString()}. Do not edit: re-run the bench.`,
    '',
    ...info.meta.map((line) => `- ${line}`),
    '',
    'Figures are medians of the runs. Targets (bench/scenarios.ts) compare each run with the baseline run measured next',
    'to it (or, for the two failed logins, at the same time) and take the median of those ratios; "report" rows compare medians.',
    '"CPU ms/req" is the serving process\'s CPU time (all threads) per response; "main thread ms/req" its main thread\'s alone:',
    'for a login or a signup, the work outside hashing (HTTP, JSON, tokens, queries, embedded PGlite), which caps logins per second on any number of cores.',
    '',
    rowsMarkdown(info.rows),
    '',
    '## Every run (req/s / p50 ms / p99 ms / CPU ms/req / main thread ms/req)',
    '',
    markdownTable(['scenario', ...Array.from({ length: info.repeat }, (_, i) => `run ${i + 1}`)], perRun),
    '',
    ...(info.problems.length > 0 ? ['## Errors', '', ...info.problems.map((p) => `- ${p}`), ''] : [])
  ].join('\n')
}
