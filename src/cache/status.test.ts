import { describe, expect, it } from 'vitest'
import { cacheStatus, type CacheOutcome } from './status.ts'

describe('cacheStatus (RFC 9211)', () => {
  it.each<[string, CacheOutcome, string]>([
    ['a fresh hit', { hit: true, ttl: 42.4 }, 'Portico; hit; ttl=42'],
    ['a miss that was stored', { hit: false, fwd: 'uri-miss', fwdStatus: 200, stored: true }, 'Portico; fwd=uri-miss; fwd-status=200; stored'],
    ['a vary miss', { hit: false, fwd: 'vary-miss', fwdStatus: 200, stored: true }, 'Portico; fwd=vary-miss; fwd-status=200; stored'],
    ['a stale hit while revalidating', { hit: true, ttl: -5, detail: 'stale-while-revalidate' }, 'Portico; hit; ttl=-5; detail=stale-while-revalidate'],
    ['a revalidation answered 304', { hit: false, fwd: 'stale', fwdStatus: 304, ttl: 3600 }, 'Portico; fwd=stale; fwd-status=304; ttl=3600'],
    ['stale served on an origin error', { hit: true, fwd: 'stale', fwdStatus: 503, ttl: -2, detail: 'stale-if-error' }, 'Portico; hit; fwd=stale; fwd-status=503; ttl=-2; detail=stale-if-error'],
    ['a collapsed hit', { hit: true, ttl: 10, collapsed: true }, 'Portico; hit; ttl=10; collapsed'],
    ['a bypass', { hit: false, fwd: 'bypass', detail: 'cache-off' }, 'Portico; fwd=bypass; detail=cache-off'],
    ['an unsafe method', { hit: false, fwd: 'method', fwdStatus: 201 }, 'Portico; fwd=method; fwd-status=201'],
    // A detail that is not a token is a quoted string.
    ['a detail with a space', { hit: false, fwd: 'uri-miss', fwdStatus: 200, detail: 'request no-store' }, 'Portico; fwd=uri-miss; fwd-status=200; detail="request no-store"'],
    ['a detail with a quote', { hit: false, fwd: 'bypass', detail: 'cookie "x"' }, 'Portico; fwd=bypass; detail="cookie \\"x\\""'],
    ['a detail starting with a digit', { hit: false, fwd: 'bypass', detail: '5xx' }, 'Portico; fwd=bypass; detail="5xx"'],
    // An infinite ttl (invalid Age) is left out rather than sent as a non-number.
    ['an infinite ttl', { hit: false, fwd: 'stale', fwdStatus: 200, ttl: Number.NEGATIVE_INFINITY }, 'Portico; fwd=stale; fwd-status=200'],
    ['nothing to say', { hit: false }, 'Portico'],
  ])('%s', (_what, outcome, expected) => {
    expect(cacheStatus('Portico', outcome)).toBe(expected)
  })
})
