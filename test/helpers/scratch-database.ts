// A new, empty PostgreSQL database on the server adminUrl names, for one test or bench process.
import { randomUUID } from 'node:crypto'
import pg from 'pg'

async function admin (adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export async function createScratchDatabase (adminUrl: string, prefix: string): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`
  await admin(adminUrl, `create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`) }
}
