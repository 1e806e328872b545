// Books on the wire: create and update bodies, the book itself, and its path parameters.
import { Type, type Static } from '@sinclair/typebox'
import type { Book } from '../db/types.js'

const bookFields = {
  title: Type.String({ minLength: 1, maxLength: 255 }),
  author: Type.String({ minLength: 1, maxLength: 255 }),
  publisher: Type.String({ minLength: 1, maxLength: 255 }),
  // A real calendar day (ajv-formats checks it); PostgreSQL has no year 0.
  published_date: Type.String({ format: 'date', pattern: '^(?!0000-)', examples: ['2024-02-29'] }),
  // The database column is a 4-byte integer.
  page_count: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  language: Type.String({ minLength: 1, maxLength: 50 })
}

export const BookCreateBody = Type.Object(bookFields, { $id: 'BookCreateBody', additionalProperties: false })
export type BookCreateBody = Static<typeof BookCreateBody>

// Any subset of the fields, at least one.
export const BookUpdateBody = Type.Partial(Type.Object(bookFields), { $id: 'BookUpdateBody', additionalProperties: false, minProperties: 1 })
export type BookUpdateBody = Static<typeof BookUpdateBody>

export const BookSchema = Type.Object({
  uid: Type.String({ format: 'uuid' }),
  ...bookFields,
  user_uid: Type.String({ format: 'uuid' }),
  created_at: Type.String({ format: 'date-time' }),
  update_at: Type.String({ format: 'date-time' })
}, { $id: 'Book', title: 'Book', description: 'A book in the catalogue' })

export type BookResponse = Static<typeof BookSchema>

export function toBookResponse (book: Book): BookResponse {
  const { updated_at: updatedAt, created_at: createdAt, ...fields } = book
  return {
    ...fields,
    created_at: createdAt.toISOString(),
    // The seed tutorial's wire name.
    update_at: updatedAt.toISOString()
  }
}

export const BookParams = Type.Object({ book_uid: Type.String({ format: 'uuid' }) })
export type BookParams = Static<typeof BookParams>

export const UserBooksParams = Type.Object({ user_uid: Type.String({ format: 'uuid' }) })
export type UserBooksParams = Static<typeof UserBooksParams>
