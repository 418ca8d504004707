import { describe, expect, it } from 'vitest'
import { rateLimitHeaders, type Quota } from './headers.ts'

const quota = (over: Partial<Quota> = {}): Quota => ({ policy: 'api', limit: 100, windowSeconds: 60, remaining: 42, resetSeconds: 17, ...over })

/** A Structured Fields List of sf-strings with integer parameters (RFC 9651 sections 3.1, 3.3.3, 3.1.2). */
const SF_LIST = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"(?:;[a-z*][a-z0-9_.*-]*=-?\d{1,15})*(?:, "(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"(?:;[a-z*][a-z0-9_.*-]*=-?\d{1,15})*)*$/

describe('rateLimitHeaders (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('adds nothing without a quota', () => {
    expect(rateLimitHeaders([])).toEqual([])
  })

  it('names the policy with its quota and window, and the remaining requests with the seconds to reset', () => {
    expect(rateLimitHeaders([quota()])).toEqual([
      ['RateLimit-Policy', '"api";q=100;w=60'],
      ['RateLimit', '"api";r=42;t=17'],
    ])
  })

  it('lists several policies in one field each, in the same order', () => {
    const fields = rateLimitHeaders([quota(), quota({ policy: 'per-ip', limit: 5, windowSeconds: 1, remaining: 0, resetSeconds: 1 })])
    expect(fields).toEqual([
      ['RateLimit-Policy', '"api";q=100;w=60, "per-ip";q=5;w=1'],
      ['RateLimit', '"api";r=42;t=17, "per-ip";r=0;t=1'],
    ])
    for (const [, value] of fields) expect(value).toMatch(SF_LIST)
  })

  it('escapes a quote and a backslash in a policy name (RFC 9651 section 4.1.6)', () => {
    const [policy, limit] = rateLimitHeaders([quota({ policy: 'a"b\\c' })])
    expect(policy?.[1]).toBe('"a\\"b\\\\c";q=100;w=60')
    expect(limit?.[1]).toBe('"a\\"b\\\\c";r=42;t=17')
    expect(policy?.[1]).toMatch(SF_LIST)
  })

  it('never sends a negative remaining count or reset', () => {
    expect(rateLimitHeaders([quota({ remaining: -3, resetSeconds: -1 })])[1]).toEqual(['RateLimit', '"api";r=0;t=0'])
  })

  it('keeps the field values valid Structured Fields for every rule name the config allows', () => {
    for (const policy of ['a', 'login', 'per-ip_2', 'A-Z_0-9', 'x'.repeat(64)]) {
      for (const [, value] of rateLimitHeaders([quota({ policy })])) expect(value).toMatch(SF_LIST)
    }
  })
})
