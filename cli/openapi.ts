// npm run openapi: the OpenAPI document exactly as the server serves it, written to a file (by default
// dist/openapi.json) for `redocly lint` and openapi-typescript. It builds the app on a throw-away
// in-memory database and asks it with inject, without listening; no configuration is read.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { PGlite } from '@electric-sql/pglite'
import serviceApp, { serverOptions } from '../app.js'
import { parseConfig } from '../config/load.js'
import { OPENAPI_URL } from '../plugins/external/swagger-ui.js'
import { isProgram } from './command.js'

export async function servedOpenApiDocument (): Promise<unknown> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bookly-openapi-'))
  const pglite = await PGlite.create('memory://')
  const config = parseConfig({ JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent', DATA_DIR: dataDir })
  const app = Fastify(serverOptions(config))
  try {
    await app.register(fp(serviceApp), { config, pglite })
    const res = await app.inject({ method: 'GET', url: OPENAPI_URL })
    if (res.statusCode !== 200) throw new Error(`GET ${OPENAPI_URL} answered ${res.statusCode}`)
    return res.json()
  } finally {
    await app.close()
    await pglite.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (isProgram(import.meta.url)) {
  const file = process.argv[2] ?? 'dist/openapi.json'
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(await servedOpenApiDocument(), null, 2)}\n`)
  console.log(`wrote ${file}`)
}
