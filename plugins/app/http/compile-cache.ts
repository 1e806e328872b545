// What a schema compiler made, kept for the life of the process, so an app built again (the tests
// build hundreds) reuses it. Keyed by JSON text, not by object: a route's schema objects are made
// anew each build, and what ajv and fast-json-stringify compile from is data.
export type Kept<T> = (schema: unknown, compile: () => T) => T

// The cache of one compiler: `under(shared)` is the part for one set of shared schemas (addSchema)
// and options, which every schema compiled under it depends on.
export function compileCache<T> (): (shared: unknown) => Kept<T> {
  const byShared = new Map<string, Map<string, T>>()
  return (shared) => {
    const key = JSON.stringify(shared)
    let kept = byShared.get(key)
    if (kept === undefined) byShared.set(key, kept = new Map())
    const bySchema = kept
    return (schema, compile) => {
      const text = JSON.stringify(schema)
      let made = bySchema.get(text)
      if (made === undefined) bySchema.set(text, made = compile())
      return made
    }
  }
}
