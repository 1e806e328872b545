// /api/v1/books: anyone signed in reads; only the creator or an admin changes or deletes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { BookCreateBody, BookParams, BookSchema, BookUpdateBody, UserBooksParams, toBookResponse } from '../../../../schemas/books.js'
import { PaginationQuery } from '../../../../schemas/pagination.js'
import { errorResponses } from '../../../../schemas/errors.js'
import { ref } from '../../../../schemas/ref.js'
import { AppError } from '../../../../plugins/app/http/errors.js'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { booksRepository } = fastify
  const common = { tags: ['books'], security: [{ bearerAuth: [] }] }

  // A book's owner never changes, so checking before the write is not a race.
  const assertMayChange = async (request: FastifyRequest, uid: string): Promise<void> => {
    const book = await booksRepository.find(uid)
    if (book === undefined) throw new AppError('book_not_found')
    if (book.user_uid !== request.user.sub && request.user.user.role !== 'admin') {
      throw new AppError('insufficient_permissions')
    }
  }

  fastify.get('/', {
    onRequest: fastify.authenticate,
    schema: {
      ...common,
      operationId: 'listBooks',
      summary: 'All books, newest first',
      description: 'Every book in the catalogue, whoever added it, a page at a time.',
      querystring: PaginationQuery,
      response: { 200: Type.Array(ref(BookSchema), { description: 'A page of books' }), ...errorResponses(401, 422) }
    }
  }, async (request) => (await booksRepository.list(request.query)).map(toBookResponse))

  fastify.post('/', {
    onRequest: fastify.authenticate,
    schema: {
      ...common,
      operationId: 'createBook',
      summary: 'Add a book; the caller is its owner',
      description: 'Only its owner or an admin may change or delete it later.',
      body: ref(BookCreateBody),
      response: { 201: ref(BookSchema, { description: 'The new book' }), ...errorResponses(401, 422) }
    }
  }, async (request, reply) => {
    const book = await booksRepository.create({ ...request.body, user_uid: request.user.sub })
    return reply.code(201).send(toBookResponse(book))
  })

  fastify.get('/user/:user_uid', {
    onRequest: fastify.authenticate,
    schema: {
      ...common,
      operationId: 'listUserBooks',
      summary: "One user's books, newest first",
      description: 'An unknown user has no books: the answer is an empty list.',
      params: UserBooksParams,
      querystring: PaginationQuery,
      response: { 200: Type.Array(ref(BookSchema), { description: 'A page of their books' }), ...errorResponses(401, 422) }
    }
  }, async (request) => (await booksRepository.list(request.query, request.params.user_uid)).map(toBookResponse))

  fastify.get('/:book_uid', {
    onRequest: fastify.authenticate,
    schema: {
      ...common,
      operationId: 'getBook',
      summary: 'One book',
      description: 'A missing book is 404 book_not_found.',
      params: BookParams,
      response: { 200: ref(BookSchema, { description: 'The book' }), ...errorResponses(401, 404, 422) }
    }
  }, async (request) => {
    const book = await booksRepository.find(request.params.book_uid)
    if (book === undefined) throw new AppError('book_not_found')
    return toBookResponse(book)
  })

  fastify.patch('/:book_uid', {
    onRequest: fastify.authenticate,
    schema: {
      ...common,
      operationId: 'updateBook',
      summary: 'Change any of the fields of your book (admins: any book)',
      description: 'Send only the fields that change, at least one. Someone else\'s book is 403 insufficient_permissions.',
      params: BookParams,
      body: ref(BookUpdateBody),
      response: { 200: ref(BookSchema, { description: 'The book as changed' }), ...errorResponses(401, 403, 404, 422) }
    }
  }, async (request) => {
    await assertMayChange(request, request.params.book_uid)
    const book = await booksRepository.update(request.params.book_uid, request.body)
    if (book === undefined) throw new AppError('book_not_found')
    return toBookResponse(book)
  })

  fastify.delete('/:book_uid', {
    onRequest: fastify.authenticate,
    schema: {
      ...common,
      operationId: 'deleteBook',
      summary: 'Delete your book (admins: any book)',
      description: 'Someone else\'s book is 403 insufficient_permissions.',
      params: BookParams,
      response: { 204: Type.Null({ description: 'Book deleted' }), ...errorResponses(401, 403, 404, 422) }
    }
  }, async (request, reply) => {
    await assertMayChange(request, request.params.book_uid)
    if (!await booksRepository.delete(request.params.book_uid)) throw new AppError('book_not_found')
    return reply.code(204).send(null)
  })
}

export default plugin
