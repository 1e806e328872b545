// A reference to a named schema (one with an $id, registered by plugins/external/swagger.ts), typed as
// the schema itself: the OpenAPI document shows it once, under components.schemas, by that name.
import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox'

export function ref<T extends TSchema> (schema: T, options?: SchemaOptions) {
  if (schema.$id === undefined) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options))
}
