// limit/offset paging for list endpoints.
import { Type, type Static } from '@sinclair/typebox'

// Bounded so that no value reaches the database as an out-of-range integer.
const MAX_OFFSET = 2_147_483_647

export const PaginationQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 })
}, { additionalProperties: false })

export type PaginationQuery = Static<typeof PaginationQuery>
