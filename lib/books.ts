// Shaping books at the edge of the API.
import type { Book } from '../plugins/app/books-repository.js'
import type { BookResponse } from '../schemas/books.js'

export function toBookResponse (book: Book): BookResponse {
  const { updated_at: updatedAt, created_at: createdAt, ...fields } = book
  return {
    ...fields,
    created_at: createdAt.toISOString(),
    // The seed tutorial's wire name.
    update_at: updatedAt.toISOString()
  }
}
