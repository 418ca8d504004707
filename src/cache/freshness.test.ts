import { describe, expect, it } from 'vitest'
import { governingDirectives } from './directives.ts'
import { ageValue, currentAge, freshnessLifetime, hasExplicitFreshness, parseHttpDate, staleness, type FreshnessPolicy, type StoredTimes } from './freshness.ts'

/** A whole second, so HTTP dates (second precision) line up with the times in the tests. */
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)
const http = (ms: number) => new Date(ms).toUTCString()
const POLICY: FreshnessPolicy = { heuristicFraction: 0.1, heuristicMaxSeconds: 86_400, edgeTtlSeconds: undefined }

/** A response received at T0 (asked for at T0), dated T0 unless the headers say otherwise. */
function stored(headers: Record<string, string>, over: Partial<Omit<StoredTimes, 'headers' | 'directives'>> = {}): StoredTimes {
  const h = new Headers({ date: http(T0), ...headers })
  return { status: 200, headers: h, directives: governingDirectives(h, ['cdn-cache-control'], 'portico'), requestTime: T0, responseTime: T0, ...over }
}
const lifetime = (headers: Record<string, string>, policy: Partial<FreshnessPolicy> = {}, status = 200) => freshnessLifetime(stored(headers, { status }), { ...POLICY, ...policy })

describe('parseHttpDate (RFC 9110 section 5.6.7)', () => {
  it.each<[string | null, number]>([
    ['Thu, 15 Jan 2026 12:00:00 GMT', T0],
    // The two obsolete formats a recipient must still accept.
    ['Thursday, 15-Jan-26 12:00:00 GMT', T0],
    ['Thu Jan 15 12:00:00 2026', T0],
    [null, Number.NaN],
    ['0', Number.NaN],
    ['-1', Number.NaN],
    ['2026-01-15T12:00:00Z', Number.NaN],
    ['not a date', Number.NaN],
  ])('%j → %s', (value, expected) => {
    expect(parseHttpDate(value)).toBe(expected)
  })
})

describe('freshnessLifetime (RFC 9111 section 4.2.1)', () => {
  it.each<[string, Record<string, string>, number]>([
    ['s-maxage over max-age', { 'cache-control': 'max-age=10, s-maxage=100' }, 100],
    ['s-maxage over Expires', { 'cache-control': 's-maxage=100', expires: http(T0 + 10_000) }, 100],
    ['max-age over Expires', { 'cache-control': 'max-age=10', expires: http(T0 + 3_600_000) }, 10],
    ['max-age=0', { 'cache-control': 'max-age=0', expires: http(T0 + 3_600_000) }, 0],
    ['Expires minus Date', { expires: http(T0 + 60_000) }, 60],
    ['Expires with Date earlier than the receipt', { date: http(T0 - 30_000), expires: http(T0 + 60_000) }, 90],
    ['a past Expires', { expires: http(T0 - 60_000) }, 0],
    // An invalid Expires, "0" in particular, means already expired (RFC 9111 section 5.3).
    ['an invalid Expires', { expires: '0' }, 0],
    ['an invalid Expires beside Last-Modified', { expires: 'soon', 'last-modified': http(T0 - 1_000_000) }, 0],
    // An invalid max-age is stale, and does not fall through to Expires (section 4.2.1).
    ['an invalid max-age beside a future Expires', { 'cache-control': 'max-age=soon', expires: http(T0 + 3_600_000) }, 0],
    ['an invalid s-maxage beside a good max-age', { 'cache-control': 's-maxage=-1, max-age=600' }, 0],
    ['max-age capped at 2^31', { 'cache-control': 'max-age=99999999999' }, 2_147_483_648],
    // Heuristic: 10% of Date - Last-Modified (section 4.2.2).
    ['heuristic from Last-Modified', { 'last-modified': http(T0 - 1_000_000) }, 100],
    ['heuristic capped', { 'last-modified': http(T0 - 10_000_000_000) }, 86_400],
    ['heuristic with Last-Modified after Date', { 'last-modified': http(T0 + 60_000) }, 0],
    ['no freshness information at all', {}, 0],
    ['a bare Cache-Control without lifetime', { 'cache-control': 'public' }, 0],
    // CDN-Cache-Control replaces Cache-Control for this cache (RFC 9213).
    ['CDN-Cache-Control over Cache-Control', { 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=3600' }, 3600],
    ['a short CDN-Cache-Control over a long Cache-Control', { 'cache-control': 'max-age=3600', 'cdn-cache-control': 'max-age=1' }, 1],
    ['CDN-Cache-Control over a past Expires', { 'cdn-cache-control': 'max-age=3600', expires: http(T0 - 10_000_000) }, 3600],
    ['CDN-Cache-Control over an invalid Expires', { 'cdn-cache-control': 'max-age=3600', expires: '0' }, 3600],
    ['CDN-Cache-Control max-age=0 over a future Expires', { 'cdn-cache-control': 'max-age=0', expires: http(T0 + 10_000_000) }, 0],
    ['an invalid CDN-Cache-Control falls back to Cache-Control', { 'cache-control': 'max-age=7', 'cdn-cache-control': 'max-age =100' }, 7],
  ])('%s', (_what, headers, expected) => {
    expect(lifetime(headers)).toBe(expected)
  })

  it('uses the receipt time for Expires when Date is missing or invalid', () => {
    const h = new Headers({ expires: http(T0 + 60_000), date: 'yesterday' })
    const r: StoredTimes = { status: 200, headers: h, directives: governingDirectives(h, [], undefined), requestTime: T0 - 20_000, responseTime: T0 - 20_000 }
    expect(freshnessLifetime(r, POLICY)).toBe(80)
  })

  it('follows the configured heuristic share and cap, and 0 turns it off', () => {
    const h = { 'last-modified': http(T0 - 1_000_000) }
    expect(lifetime(h, { heuristicFraction: 0.5 })).toBe(500)
    expect(lifetime(h, { heuristicFraction: 0.5, heuristicMaxSeconds: 60 })).toBe(60)
    expect(lifetime(h, { heuristicFraction: 0 })).toBe(0)
  })

  it.each([
    [200, 100],
    [203, 100],
    [204, 100],
    [301, 100],
    [308, 100],
    [404, 100],
    [410, 100],
    [501, 100],
    // Not heuristically cacheable (RFC 9110 section 15.1).
    [302, 0],
    [307, 0],
    [403, 0],
    [500, 0],
    [503, 0],
  ])('gives status %i a heuristic lifetime of %i', (status, expected) => {
    expect(lifetime({ 'last-modified': http(T0 - 1_000_000) }, {}, status)).toBe(expected)
  })

  it('allows a heuristic for any status the origin marks public (RFC 9111 section 4.2.2)', () => {
    expect(lifetime({ 'cache-control': 'public', 'last-modified': http(T0 - 1_000_000) }, {}, 302)).toBe(100)
  })

  it('replaces what the origin says with the route edge TTL', () => {
    expect(lifetime({ 'cache-control': 'max-age=600' }, { edgeTtlSeconds: 30 })).toBe(30)
    expect(lifetime({ 'cache-control': 'max-age=0' }, { edgeTtlSeconds: 30 })).toBe(30)
    expect(lifetime({}, { edgeTtlSeconds: 45 })).toBe(45)
    expect(lifetime({ 'cdn-cache-control': 'max-age=600' }, { edgeTtlSeconds: 0 })).toBe(0)
  })
})

describe('hasExplicitFreshness', () => {
  it.each<[Record<string, string>, boolean]>([
    [{ 'cache-control': 'max-age=60' }, true],
    [{ 'cache-control': 's-maxage=60' }, true],
    [{ expires: '0' }, true],
    [{ 'cdn-cache-control': 'max-age=60' }, true],
    [{ 'last-modified': http(T0) }, false],
    [{ 'cache-control': 'public' }, false],
  ])('%j → %s', (headers, expected) => {
    const r = stored(headers)
    expect(hasExplicitFreshness(r)).toBe(expected)
  })
})

describe('ageValue (RFC 9111 section 5.1)', () => {
  it.each<[string | null, number]>([
    [null, 0],
    ['0', 0],
    ['10', 10],
    [' 7 ', 7],
    // A list (or repeated field lines) is invalid for a singleton: stale (cache-tests age-parse-dup-*).
    ['10, 20', Number.POSITIVE_INFINITY],
    ['0,0', Number.POSITIVE_INFINITY],
    ['99999999999', 2_147_483_648],
    // Invalid: the response is stale (cache-tests age-parse-*).
    ['abc', Number.POSITIVE_INFINITY],
    ['-7200', Number.POSITIVE_INFINITY],
    ['7200.0', Number.POSITIVE_INFINITY],
    ['old, 0', Number.POSITIVE_INFINITY],
    ['', Number.POSITIVE_INFINITY],
  ])('%j → %s', (value, expected) => {
    const h = new Headers()
    if (value !== null) h.set('age', value)
    expect(ageValue(h)).toBe(expected)
  })

  it('reads two Age field lines as invalid, so the response is stale', () => {
    const h = new Headers()
    h.append('age', '0')
    h.append('age', '0')
    expect(ageValue(h)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('currentAge (RFC 9111 section 4.2.3)', () => {
  it('is the resident time for a response that arrived at once, dated now and without Age', () => {
    expect(currentAge(stored({}), T0 + 5_000)).toBe(5)
  })

  it('adds the response delay to the Age the response came with', () => {
    // asked at T0, received 2 s later, Age 10: corrected age value 12; then 5 s resident.
    const r = stored({ age: '10' }, { requestTime: T0, responseTime: T0 + 2_000 })
    expect(currentAge(r, T0 + 7_000)).toBe(17)
  })

  it('takes the apparent age from Date when it exceeds the corrected Age', () => {
    // dated 100 s before it arrived, Age 3: apparent age 100 wins.
    const r = stored({ date: http(T0 - 100_000), age: '3' })
    expect(currentAge(r, T0 + 1_000)).toBe(101)
  })

  it('never lets a Date in the future make the age negative', () => {
    const r = stored({ date: http(T0 + 3_600_000) })
    expect(currentAge(r, T0)).toBe(0)
  })

  it('ignores a missing or invalid Date', () => {
    expect(currentAge(stored({ date: 'nonsense' }), T0 + 4_000)).toBe(4)
    const h = new Headers({ age: '20' })
    expect(currentAge({ status: 200, headers: h, directives: governingDirectives(h, [], undefined), requestTime: T0, responseTime: T0 }, T0)).toBe(20)
  })

  it('is infinite with an invalid Age', () => {
    expect(currentAge(stored({ age: 'abc' }), T0)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('staleness', () => {
  const st = (headers: Record<string, string>, nowOffsetMs: number, defaultStaleIfError = 0, policy: Partial<FreshnessPolicy> = {}) =>
    staleness(stored(headers), { ...POLICY, ...policy }, T0 + nowOffsetMs, defaultStaleIfError)

  it('is fresh while the age is below the lifetime, with the seconds left as ttl', () => {
    expect(st({ 'cache-control': 'max-age=60' }, 20_000)).toMatchObject({ fresh: true, ttl: 40 })
    expect(st({ 'cache-control': 'max-age=60' }, 60_000)).toMatchObject({ fresh: false, ttl: 0 })
    expect(st({ 'cache-control': 'max-age=60' }, 90_000)).toMatchObject({ fresh: false, ttl: -30 })
  })

  it('is stale on arrival when Age exceeds the lifetime (cache-tests freshness-max-age-age)', () => {
    expect(st({ 'cache-control': 'max-age=3600', age: '7200' }, 0)).toMatchObject({ fresh: false, ttl: -3600 })
    expect(st({ 'cdn-cache-control': 'max-age=3600', age: '7200' }, 0).fresh).toBe(false)
  })

  it('is stale with an invalid Age', () => {
    expect(st({ 'cache-control': 'max-age=3600', age: 'abc' }, 0).fresh).toBe(false)
  })

  it('reads stale-while-revalidate and stale-if-error (RFC 5861)', () => {
    expect(st({ 'cache-control': 'max-age=60, stale-while-revalidate=30, stale-if-error=600' }, 0)).toMatchObject({ staleWhileRevalidate: 30, staleIfError: 600, mustRevalidate: false, noCache: false })
    expect(st({ 'cache-control': 'max-age=60, stale-while-revalidate=soon' }, 0).staleWhileRevalidate).toBe(0)
    expect(st({ 'cdn-cache-control': 'max-age=60, stale-while-revalidate=30' }, 0).staleWhileRevalidate).toBe(30)
  })

  it('uses the route stale-if-error when the response says nothing, and the response when it does', () => {
    expect(st({ 'cache-control': 'max-age=60' }, 0, 300).staleIfError).toBe(300)
    expect(st({ 'cache-control': 'max-age=60, stale-if-error=5' }, 0, 300).staleIfError).toBe(5)
    expect(st({ 'cache-control': 'max-age=60, stale-if-error=bad' }, 0, 300).staleIfError).toBe(300)
  })

  it.each(['must-revalidate', 'proxy-revalidate'])('forbids serving stale with %s (RFC 9111 section 4.2.4)', (directive) => {
    const s = st({ 'cache-control': `max-age=60, ${directive}, stale-while-revalidate=30, stale-if-error=600` }, 0, 300)
    expect(s).toMatchObject({ mustRevalidate: true, staleWhileRevalidate: 0, staleIfError: 0 })
  })

  it('forbids stale with s-maxage unless the origin grants stale-while-revalidate or stale-if-error explicitly (RFC 5861)', () => {
    expect(st({ 'cache-control': 's-maxage=60' }, 0, 300)).toMatchObject({ mustRevalidate: true, staleWhileRevalidate: 0, staleIfError: 0 })
    expect(st({ 'cache-control': 's-maxage=60, stale-while-revalidate=30, stale-if-error=600' }, 0, 300)).toMatchObject({ staleWhileRevalidate: 30, staleIfError: 600 })
  })

  it('marks an unqualified no-cache for revalidation on every use, a qualified one not', () => {
    expect(st({ 'cache-control': 'max-age=3600, no-cache' }, 0)).toMatchObject({ fresh: true, noCache: true })
    expect(st({ 'cache-control': 'max-age=3600, No-CaChE' }, 0).noCache).toBe(true)
    expect(st({ 'cache-control': 'max-age=3600, no-cache="set-cookie"' }, 0).noCache).toBe(false)
  })

  it('measures freshness against the edge TTL when the route sets one', () => {
    expect(st({ 'cache-control': 'max-age=3600' }, 20_000, 0, { edgeTtlSeconds: 10 })).toMatchObject({ fresh: false, ttl: -10 })
    expect(st({ 'cache-control': 'no-store' }, 5_000, 0, { edgeTtlSeconds: 10 })).toMatchObject({ fresh: true, ttl: 5 })
  })
})
