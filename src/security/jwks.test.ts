import { describe, expect, it } from 'vitest'
import { JWKS_DEFAULT_TTL_SECONDS, JWKS_MAX_STALE_MS, JWKS_MAX_TTL_SECONDS, JWKS_MIN_TTL_SECONDS, jwksTtlSeconds, mayServeStale, shouldRefetch } from './jwks.ts'

describe('how long a JWKS is kept', () => {
  it.each([
    ['max-age=3600', 3600],
    ['public, max-age=300, must-revalidate', 300],
    ['s-maxage=900', 900],
    ['max-age=5', JWKS_MIN_TTL_SECONDS],
    ['max-age=31536000', JWKS_MAX_TTL_SECONDS],
    ['no-store', JWKS_MIN_TTL_SECONDS],
    ['no-cache', JWKS_MIN_TTL_SECONDS],
    ['private', JWKS_DEFAULT_TTL_SECONDS],
    [null, JWKS_DEFAULT_TTL_SECONDS],
  ])('Cache-Control %s → %i s', (cc, ttl) => {
    expect(jwksTtlSeconds(cc)).toBe(ttl)
  })
})

describe('when to fetch it again', () => {
  const held = { fetchedAtMs: 1_000_000, expiresAtMs: 1_600_000 }

  it('fetches when nothing is held, and then at most every 5 s while fetches fail', () => {
    expect(shouldRefetch(undefined, {}, 0, false)).toBe(true)
    expect(shouldRefetch(undefined, { lastAttemptMs: 10_000 }, 14_999, false)).toBe(false)
    expect(shouldRefetch(undefined, { lastAttemptMs: 10_000 }, 15_000, false)).toBe(true)
  })

  it('keeps fresh keys, and fetches once they expire', () => {
    expect(shouldRefetch(held, { lastAttemptMs: held.fetchedAtMs }, 1_599_999, false)).toBe(false)
    expect(shouldRefetch(held, { lastAttemptMs: held.fetchedAtMs }, 1_600_000, false)).toBe(true)
  })

  it('fetches at once for the first unknown key id, then at most once per 30 s', () => {
    expect(shouldRefetch(held, { lastAttemptMs: held.fetchedAtMs }, held.fetchedAtMs + 1, true)).toBe(true)
    const after = { lastAttemptMs: held.fetchedAtMs + 1, lastUnknownKeyFetchMs: held.fetchedAtMs + 1 }
    expect(shouldRefetch(held, after, held.fetchedAtMs + 30_000, true)).toBe(false)
    expect(shouldRefetch(held, after, held.fetchedAtMs + 30_001, true)).toBe(true)
  })

  it('serves expired keys for up to a day while the issuer cannot be reached', () => {
    expect(mayServeStale(held, held.expiresAtMs + JWKS_MAX_STALE_MS - 1)).toBe(true)
    expect(mayServeStale(held, held.expiresAtMs + JWKS_MAX_STALE_MS)).toBe(false)
  })
})
