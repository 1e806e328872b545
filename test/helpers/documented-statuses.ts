// Answers held against the OpenAPI document: a status an operation answered that its responses do not
// list is one a client generated from the document does not know of. Run as a program
// (`tsx test/helpers/documented-statuses.ts dist/openapi.json <log>`) on the BOOKLY_STATUS_LOG of a
// whole test run (test/helper.ts), it prints each gap and exits 1 if there is any.
import { readFileSync } from 'node:fs'
import type { StatusRecord } from '../helper.js'
import { isProgram } from '../../cli/command.js'

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string, responses: Record<string, unknown> }>>
}

// Fastify's `/sessions/:sid` is OpenAPI's `/sessions/{sid}`; `/api/v1/books/` is `/api/v1/books`.
export const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/(.)\/$/, '$1')

export function operationOf (doc: OpenApiDocument, { method, route }: Pick<StatusRecord, 'method' | 'route'>) {
  return doc.paths[openApiPath(route)]?.[method.toLowerCase()]
}

// "METHOD route status" for every answer its operation does not document. Answers of routes the
// document does not list (the docs pages, HEAD twins, a test's own probe routes) are not checked.
export function undocumentedStatuses (doc: OpenApiDocument, records: StatusRecord[]): string[] {
  const gaps = new Set<string>()
  for (const record of records) {
    const operation = operationOf(doc, record)
    if (operation !== undefined && !(String(record.status) in operation.responses)) {
      gaps.add(`${record.method} ${record.route} ${record.status}`)
    }
  }
  return [...gaps].sort()
}

if (isProgram(import.meta.url)) {
  const [documentFile, logFile] = process.argv.slice(2)
  if (documentFile === undefined || logFile === undefined) throw new Error('usage: documented-statuses.ts <openapi.json> <status log>')
  const doc = JSON.parse(readFileSync(documentFile, 'utf8')) as OpenApiDocument
  const records = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as StatusRecord)
  const gaps = undocumentedStatuses(doc, records)
  for (const gap of gaps) console.error(`undocumented: ${gap}`)
  console.log(`${records.length} answers checked against ${documentFile}: ${gaps.length} undocumented statuses`)
  process.exitCode = gaps.length > 0 ? 1 : 0
}
