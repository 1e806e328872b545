// A new PostgreSQL database on the server adminUrl names, empty or a copy of a template, for one
// test or bench process; `drop` removes it.
import { randomUUID } from 'node:crypto'
import pg from 'pg'

export async function adminQuery (adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export function databaseUrl (adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export async function createScratchDatabase (adminUrl: string, prefix: string, template?: string): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`
  await adminQuery(adminUrl, `create database ${name}${template === undefined ? '' : ` template ${template}`}`)
  return { url: databaseUrl(adminUrl, name), drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`) }
}
