// How answers are serialized: fast-json-stringify, Fastify's own, with what it compiles kept for the
// life of the process (compile-cache.ts): each build compiled its few hundred response schemas
// anew, about a third of a second of CPU.
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import { compileCache } from './compile-cache.js'

const compilerFor = SerializerSelector()
const serializers = compileCache<SerializerSelector.Serializer>()

// The `buildSerializer` of Fastify's schemaController.
export const buildSerializer: SerializerSelector.SerializerFactory = (externalSchemas, options) => {
  const compile = compilerFor(externalSchemas, options)
  const kept = serializers([externalSchemas, options])
  return (route) => kept(route.schema, () => compile(route))
}
