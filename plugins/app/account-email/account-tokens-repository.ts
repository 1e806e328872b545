// One-time account tokens (stored as SHA-256 hashes): small functions over Kysely. Issuing a token
// queues its mail in the same statement; consuming one is a single conditional UPDATE.
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import type { Database, TokenPurpose } from '../../../db/types.js'
import type { PasswordContext } from '../passwords/password-policy.js'

export interface MailContent {
  subject: string
  text: string
  html: string
}

export interface TokenIssue {
  purpose: TokenPurpose
  // The account, and the canonical address the link goes to. An id nobody has makes the statement a no-op.
  userUid: string
  email: string
  // The address the account must have for the token to be stored, if not `email` (an e-mail change
  // link goes to the new address).
  accountEmail?: string
  tokenHash: Buffer
  ttlSeconds: number
  // Queued with the token; its kind is the token's purpose.
  mail: MailContent
}

const notExpired = sql<boolean>`account_tokens.expires_at > now()`

// The one rule for a reset token that still works, over account_tokens joined with its user: unused,
// not voided, unexpired, and its account enabled and still at the address the link went to.
const usableReset = (tokenHash: Buffer) => sql<boolean>`(account_tokens.token_hash = ${tokenHash}
  and account_tokens.purpose = 'password_reset' and account_tokens.used_at is null
  and account_tokens.voided_at is null and ${notExpired}
  and users.disabled_at is null and lower(users.email) = account_tokens.email)`

export function createAccountTokensRepository (db: Kysely<Database>) {
  return {
    // One statement: for a reset or an e-mail change, earlier tokens of the account for the same
    // purpose are voided (earlier verification links keep working); the token is stored only if the
    // account is enabled, still has its address and (for verification) is unverified; and the mail is
    // queued only with a stored token. True when a mail was queued. An unknown account runs the very
    // same statement and writes nothing.
    async issue (input: TokenIssue): Promise<boolean> {
      const { purpose, userUid, email, accountEmail = email, tokenHash, ttlSeconds, mail } = input
      const result = await db
        .with('voided', (qb) => qb.updateTable('account_tokens')
          .set({ voided_at: sql`now()` })
          .where('user_uid', '=', userUid)
          .where('purpose', '=', purpose)
          .where(sql.lit(purpose !== 'verify_email'))
          .where('used_at', 'is', null)
          .where('voided_at', 'is', null)
          .returning('token_hash'))
        .with('token', (qb) => qb.insertInto('account_tokens')
          .columns(['token_hash', 'purpose', 'user_uid', 'email', 'expires_at'])
          .expression((eb) => eb.selectFrom('users')
            .select([
              sql<Buffer>`${tokenHash}::bytea`.as('token_hash'),
              sql<TokenPurpose>`${purpose}::varchar`.as('purpose'),
              'uid',
              sql<string>`${email}::varchar`.as('email'),
              sql<Date>`now() + make_interval(secs => ${ttlSeconds})`.as('expires_at')
            ])
            .where('uid', '=', userUid)
            .where(sql`lower(email)`, '=', accountEmail)
            .where('disabled_at', 'is', null)
            .$if(purpose === 'verify_email', (q) => q.where('is_verified', '=', false)))
          .returning('email'))
        .insertInto('mail_outbox')
        .columns(['kind', 'recipient', 'subject', 'text_body', 'html_body'])
        .expression((eb) => eb.selectFrom('token').select([
          sql<string>`${purpose}::varchar`.as('kind'),
          'token.email',
          sql<string>`${mail.subject}::text`.as('subject'),
          sql<string>`${mail.text}::text`.as('text_body'),
          sql<string>`${mail.html}::text`.as('html_body')
        ]))
        .executeTakeFirst()
      return result.numInsertedOrUpdatedRows === 1n
    },

    // Verification, as one statement: the token is marked used (the first use is kept) and the account
    // verified, if the token is a live verification token and the account still has the address it was
    // sent to. A used token keeps answering until it expires (link scanners and double clicks).
    async consumeVerification (tokenHash: Buffer): Promise<string | undefined> {
      const row = await db
        .with('token', (qb) => qb.updateTable('account_tokens')
          .set({ used_at: sql`coalesce(account_tokens.used_at, now())` })
          .where('token_hash', '=', tokenHash)
          .where('purpose', '=', 'verify_email')
          .where('voided_at', 'is', null)
          .where(notExpired)
          .returning(['user_uid', 'email']))
        .updateTable('users')
        .from('token')
        .set({ is_verified: true, updated_at: sql<Date>`case when users.is_verified then users.updated_at else now() end` })
        .whereRef('users.uid', '=', 'token.user_uid')
        .where(sql`lower(users.email)`, '=', sql.ref('token.email'))
        .returning('users.uid')
        .executeTakeFirst()
      return row?.uid
    },

    // The account a reset token would reset now, or undefined: a cheap refusal, and the account's
    // words for the password policy, before any password is hashed (consumeReset decides).
    resetAccount (tokenHash: Buffer): Promise<PasswordContext | undefined> {
      return db.selectFrom('account_tokens')
        .innerJoin('users', 'users.uid', 'account_tokens.user_uid')
        .select(['users.email', 'users.username', 'users.first_name', 'users.last_name'])
        .where(usableReset(tokenHash))
        .executeTakeFirst()
    },

    // The reset token used up, in one conditional UPDATE: of any number of concurrent confirms with
    // it, exactly one gets the account back. Only for an enabled account that still has the address.
    consumeReset (tokenHash: Buffer): Promise<{ user_uid: string } | undefined> {
      return db.updateTable('account_tokens')
        .from('users')
        .set({ used_at: sql`now()` })
        .whereRef('users.uid', '=', 'account_tokens.user_uid')
        .where(usableReset(tokenHash))
        .returning('account_tokens.user_uid')
        .executeTakeFirst()
    },

    // The e-mail change token used up, in one conditional UPDATE: of any number of concurrent
    // confirms with it, exactly one gets the account and the address the link went to. Moving the
    // account there is the caller's next statement, in the same transaction.
    consumeEmailChange (tokenHash: Buffer): Promise<{ user_uid: string, email: string } | undefined> {
      return db.updateTable('account_tokens')
        .set({ used_at: sql`now()` })
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', 'email_change')
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .where(notExpired)
        .returning(['user_uid', 'email'])
        .executeTakeFirst()
    },

    // Every outstanding link of the account for these purposes becomes useless; returns how many there were.
    async voidTokens (userUid: string, purposes: readonly TokenPurpose[]): Promise<number> {
      const result = await db.updateTable('account_tokens')
        .set({ voided_at: sql`now()` })
        .where('user_uid', '=', userUid)
        .where('purpose', 'in', purposes)
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    // Expired tokens answer like unknown ones, so they can go.
    async sweep (): Promise<number> {
      const result = await db.deleteFrom('account_tokens').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst()
      return Number(result.numDeletedRows)
    }
  }
}

export type AccountTokensRepository = ReturnType<typeof createAccountTokensRepository>

declare module 'fastify' {
  interface FastifyInstance {
    accountTokensRepository: AccountTokensRepository
  }
}

export default fp(async function accountTokensRepository (fastify) {
  fastify.decorate('accountTokensRepository', createAccountTokensRepository(fastify.db))
}, { name: 'account-tokens-repository', dependencies: ['db'] })
