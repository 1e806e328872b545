// Signs access/refresh token pairs. Every claim comes from the arguments, so the same
// session state signs the same pair again (the refresh reuse window relies on it).
import fp from 'fastify-plugin'
import type { LoginAuth, SessionOwner, TokenPairIds } from '../../../db/types.js'
import type { TokenPayload } from '../../../schemas/tokens.js'

export interface TokenPair {
  access_token: string
  refresh_token: string
}

// Signs with the key that was current when it was taken, so a session can record that key
// before its tokens exist.
export interface PairSigner {
  // The key's id; null under HMAC.
  kid: string | null
  signPair (owner: SessionOwner, sid: string, ids: TokenPairIds, login: LoginAuth): TokenPair
}

export interface Tokens {
  signer (): PairSigner
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: Tokens
  }
}

export default fp(async function tokens (fastify) {
  const { ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL } = fastify.config
  const { tokenCodecs: { access, refresh }, keyStore } = fastify

  const payload = (owner: SessionOwner, sid: string, jti: string, iat: number, ttl: number, isRefresh: boolean): TokenPayload => ({
    user: { email: owner.email, user_uid: owner.uid, role: owner.role },
    sub: owner.uid,
    sid,
    jti,
    refresh: isRefresh,
    iat,
    exp: iat + ttl
  })
  // The access token says how its session was logged in to (step-up reads it); the refresh token
  // need not, since the session keeps it.
  const accessPayload = (owner: SessionOwner, sid: string, ids: TokenPairIds, login: LoginAuth): TokenPayload => ({
    ...payload(owner, sid, ids.accessJti, ids.issuedAt, ACCESS_TOKEN_TTL, false),
    auth_time: login.authTime,
    amr: login.amr
  })

  fastify.decorate('tokens', {
    signer () {
      const key = keyStore.signing()
      return {
        kid: key.kid ?? null,
        signPair: (owner, sid, ids, login) => ({
          access_token: access.sign(accessPayload(owner, sid, ids, login), key),
          refresh_token: refresh.sign(payload(owner, sid, ids.refreshJti, ids.issuedAt, REFRESH_TOKEN_TTL, true), key)
        })
      }
    }
  } satisfies Tokens)
}, { name: 'tokens', dependencies: ['env', 'jwt', 'key-store'] })
