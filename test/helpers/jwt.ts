// Reading a JWT's header and claims without verifying it, as a test inspects what was issued.
const part = (token: string, index: number) => JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString())

export const jwtHeader = (token: string) => part(token, 0)
export const jwtClaims = (token: string) => part(token, 1)
