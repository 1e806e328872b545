// The bench's one table, as aligned text for the terminal and as Markdown for RESULTS.md.
export interface Row {
  scenario: string
  connections: string
  rps: string
  p50: string
  p99: string
  cpu: string
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
  ['against', 'compared with'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['met', 'met']
]

const numeric = new Set<keyof Row>(['connections', 'rps', 'p50', 'p99', 'cpu', 'ratio'])

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
