// JWT validation (RFC 7519, RFC 8725 best practices) with jose: the signature with a key of the
// token's issuer, that issuer's pinned algorithms only (never "none", never an HMAC algorithm for
// an issuer with public keys: no algorithm confusion), then iss, aud, exp (required) and nbf with
// a clock skew. The keys come in from the caller (a JWKS held per isolate, or a secret), and so
// does the time: pure.
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'

/** Algorithms Portico accepts at all; an issuer pins a subset. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export type JwtAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof HMAC_ALGORITHMS)[number]

export interface IssuerPolicy {
  /** Exact "iss" value. */
  issuer: string
  /** Accepted "aud" values; a token must name at least one. Empty: no audience check. */
  audiences: readonly string[]
  algorithms: readonly JwtAlgorithm[]
  keys: { kind: 'jwks'; url: string } | { kind: 'secret'; secret: Uint8Array }
}

/** A key for jose: a JWKS lookup function, or an HMAC secret. */
export type VerificationKey = JWTVerifyGetKey | Uint8Array

export type JwtOutcome =
  | { ok: true; claims: JWTPayload; issuer: IssuerPolicy }
  /** `retryWithFreshKeys`: the token names a key id not in the JWKS held (it may have rotated). */
  | { ok: false; reason: string; retryWithFreshKeys?: boolean }

/** The issuer a token claims to come from, before anything is verified (to choose its keys). */
export function claimedIssuer(token: string, issuers: readonly IssuerPolicy[]): { ok: true; issuer: IssuerPolicy } | { ok: false; reason: string } {
  let iss: unknown
  let alg: unknown
  try {
    iss = decodeJwt(token).iss
    alg = decodeProtectedHeader(token).alg
  } catch {
    return { ok: false, reason: 'the token is not a well-formed JWT' }
  }
  const issuer = issuers.find((i) => i.issuer === iss)
  if (!issuer) return { ok: false, reason: 'the token is from an issuer this route does not accept' }
  // Checked here as well as by jose, so a key is never fetched for a token that cannot pass.
  if (typeof alg !== 'string' || !(issuer.algorithms as readonly string[]).includes(alg)) {
    return { ok: false, reason: `the token's algorithm is not one this issuer uses` }
  }
  return { ok: true, issuer }
}

export async function verifyJwt(token: string, issuer: IssuerPolicy, key: VerificationKey, nowMs: number, clockSkewSeconds: number): Promise<JwtOutcome> {
  try {
    const options = {
      issuer: issuer.issuer,
      audience: issuer.audiences.length > 0 ? [...issuer.audiences] : undefined,
      algorithms: [...issuer.algorithms],
      clockTolerance: clockSkewSeconds,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp'],
    }
    const { payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)
    return { ok: true, claims: payload, issuer }
  } catch (err) {
    return failure(err)
  }
}

function failure(err: unknown): JwtOutcome {
  const code = (err as { code?: string }).code
  const claim = (err as { claim?: string }).claim
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return { ok: false, reason: 'the token has expired' }
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return { ok: false, reason: claim === 'nbf' ? 'the token is not valid yet' : `the token's "${claim}" claim is not accepted` }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { ok: false, reason: `the token's algorithm is not one this issuer uses` }
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { ok: false, reason: 'no key of the issuer matches the token', retryWithFreshKeys: true }
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { ok: false, reason: 'the token does not say which key (kid) signed it' }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { ok: false, reason: 'the token signature is invalid' }
    default:
      return { ok: false, reason: 'the token is not valid' }
  }
}

/** Claim values as header values: strings as they are, numbers and booleans as text, others JSON. */
export function claimHeaderValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
  // A header value may not carry CR, LF or NUL (RFC 9110 section 5.5); such a claim is not forwarded.
  return /[\r\n\0]/.test(text) ? undefined : text
}
