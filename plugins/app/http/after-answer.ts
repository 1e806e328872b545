// Work a route does after its answer is sent. The mail routes answer every address alike, and
// answer before the work: a known address writes a token and a mail, which PostgreSQL flushes to
// disk at commit, and an unknown one writes nothing, so an answer sent after the work would say by
// its timing which addresses have accounts. The server waits for such work when it closes, and a
// failure is logged (the client has its answer already, and may ask again).
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'

export interface AfterAnswer {
  run (request: FastifyRequest, what: string, work: () => Promise<void>): Promise<void>
  // Resolves once all work begun so far is done (closing, and tests that count its effects).
  settled (): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    afterAnswer: AfterAnswer
  }
}

export default fp(async function afterAnswer (fastify) {
  const pending = new Set<Promise<void>>()
  const settled = async () => { await Promise.all(pending) }
  fastify.decorate('afterAnswer', {
    run (request, what, work) {
      // From the next turn of the event loop: an error answer is written by then too.
      const done = new Promise(setImmediate).then(work).catch((err: unknown) => { request.log.error({ err }, `${what} failed after its answer`) })
      pending.add(done)
      return done.finally(() => pending.delete(done))
    },
    settled
  } satisfies AfterAnswer)
  fastify.addHook('onClose', settled)
}, { name: 'after-answer' })
