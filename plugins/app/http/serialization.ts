// How answers are serialized: fast-json-stringify, Fastify's own, with what it compiles kept for the
// life of the process. An app built again in the same process (the tests build hundreds; each
// build compiled its few hundred response schemas anew, about a third of a second of CPU) reuses
// the function compiled for a response schema with the same text under the same shared schemas.
import SerializerSelector from '@fastify/fast-json-stringify-compiler'

type Serializer = SerializerSelector.Serializer
const compilerFor = SerializerSelector()
// By the shared schemas (addSchema) and options, then by the response schema's JSON text: what
// fast-json-stringify compiles from is data, and a route's schema objects are made anew each build.
const compiled = new Map<string, Map<string, Serializer>>()

// The `buildSerializer` of Fastify's schemaController.
export const buildSerializer: SerializerSelector.SerializerFactory = (externalSchemas, options) => {
  const compile = compilerFor(externalSchemas, options)
  const key = JSON.stringify([externalSchemas, options])
  let bySchema = compiled.get(key)
  if (bySchema === undefined) compiled.set(key, bySchema = new Map())
  const cache = bySchema
  return (route) => {
    const text = JSON.stringify(route.schema)
    let serializer = cache.get(text)
    if (serializer === undefined) cache.set(text, serializer = compile(route))
    return serializer
  }
}
