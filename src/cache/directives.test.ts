import { describe, expect, it } from 'vitest'
import { deltaSeconds, governingDirectives, MAX_DELTA_SECONDS, parseCacheControl, parseSurrogateControl, parseTargeted, seconds } from './directives.ts'

const entries = (d: ReadonlyMap<string, string | true> | undefined) => (d === undefined ? undefined : Object.fromEntries(d))

describe('parseCacheControl (RFC 9111 section 5.2)', () => {
  it.each<[string | null, Record<string, string | true>]>([
    [null, {}],
    ['', {}],
    ['max-age=60, public', { 'max-age': '60', public: true }],
    // Directive names are case-insensitive; arguments keep their case.
    ['Max-Age=60, PUBLIC, No-CaChE', { 'max-age': '60', public: true, 'no-cache': true }],
    ['private="Set-Cookie"', { private: 'Set-Cookie' }],
    // A comma inside a quoted string does not end the directive.
    ['no-cache="set-cookie, x-foo", max-age=5', { 'no-cache': 'set-cookie, x-foo', 'max-age': '5' }],
    ['extension="max-age=100", max-age=1', { extension: 'max-age=100', 'max-age': '1' }],
    ['max-age=1, extension="max-age=100"', { 'max-age': '1', extension: 'max-age=100' }],
    // The first occurrence wins (cache-tests freshness-max-age-two-fresh-stale-sameline).
    ['max-age=1800, max-age=1', { 'max-age': '1800' }],
    ['max-age=1, max-age=1800', { 'max-age': '1' }],
    // quoted-pair inside a quoted string
    ['ext="a\\"b", max-age=2', { ext: 'a"b', 'max-age': '2' }],
    // Empty list elements and whitespace are tolerated (RFC 9110 section 5.6.1).
    [' , ,max-age=5 ,,\tpublic ', { 'max-age': '5', public: true }],
    ['max-age="60"junk, public', { 'max-age': '60', public: true }],
    ["max-age='3600'", { 'max-age': "'3600'" }],
    // No whitespace around "=" (RFC 9111 section 5.2): "max-age =60" names another directive.
    ['max-age =60', { 'max-age ': '60' }],
    ['max-age= 60', { 'max-age': ' 60' }],
  ])('%j → %j', (value, expected) => {
    expect(entries(parseCacheControl(value))).toEqual(expected)
  })
})

describe('deltaSeconds', () => {
  it.each<[string, number | undefined]>([
    ['max-age=60', 60],
    ['max-age=0', 0],
    ['max-age=007', 7],
    // Recipients accept the quoted form too (cache-tests freshness-max-age-quoted).
    ['max-age="3600"', 3600],
    ['public', undefined],
    // Present but invalid: NaN, so the response counts as stale (RFC 9111 section 4.2.1).
    ['max-age', Number.NaN],
    ['max-age=', Number.NaN],
    ['max-age=-1', Number.NaN],
    ['max-age=1.5', Number.NaN],
    ['max-age=abc', Number.NaN],
    ["max-age='3600'", Number.NaN],
    ['max-age=5 minutes', Number.NaN],
    ['max-age= 60', Number.NaN],
    ['max-age =60', undefined],
    // RFC 9111 section 1.2.2: larger values are taken as 2^31.
    ['max-age=2147483647', 2_147_483_647],
    ['max-age=2147483648', MAX_DELTA_SECONDS],
    ['max-age=2147483649', MAX_DELTA_SECONDS],
    ['max-age=99999999999', MAX_DELTA_SECONDS],
  ])('%s → %s', (value, expected) => {
    expect(deltaSeconds(parseCacheControl(value), 'max-age')).toBe(expected)
  })

  it('caps at 2147483648', () => {
    expect(MAX_DELTA_SECONDS).toBe(2_147_483_648)
  })
})

describe('parseTargeted: a targeted field is a Structured Field dictionary (RFC 9213 section 2.1)', () => {
  it.each<[string, Record<string, string | true>]>([
    ['max-age=3600', { 'max-age': '3600' }],
    ['no-store', { 'no-store': true }],
    ['private, max-age=60', { private: true, 'max-age': '60' }],
    // An unknown directive is a valid member (cache-tests cdn-max-age-extension).
    ['foobar, max-age=3600', { foobar: true, 'max-age': '3600' }],
    // SF keys are lower case; mixed case is accepted (cache-tests cdn-max-age-case-insensitive).
    ['MaX-aGe=3600', { 'max-age': '3600' }],
    ['max-age=99999999999', { 'max-age': '99999999999' }],
    // Parameters are allowed and ignored.
    ['max-age=60;foo=bar, no-transform;x', { 'max-age': '60', 'no-transform': true }],
    // In a dictionary the last occurrence of a key wins (RFC 8941 section 4.2.2).
    ['max-age=60, max-age=5', { 'max-age': '5' }],
    ['max-age=60,stale-while-revalidate=30', { 'max-age': '60', 'stale-while-revalidate': '30' }],
    ['  max-age=60 ,  no-transform', { 'max-age': '60', 'no-transform': true }],
    ['ext="a string", max-age=1', { ext: 'string:a string', 'max-age': '1' }],
    ['ext=tok, max-age=1', { ext: 'token:tok', 'max-age': '1' }],
  ])('%j is valid: %j', (value, expected) => {
    expect(entries(parseTargeted(value))).toEqual(expected)
  })

  it.each([
    // An absent or empty field is ignored: Cache-Control applies (RFC 9213 section 2.2).
    ['absent', null],
    ['empty', ''],
    ['blank', '   '],
    // Not a dictionary: the whole field is ignored (cache-tests cdn-cc-invalid-sh-type-unknown).
    ['an unknown type', 'max-age=10000, &&&&&'],
    // A numeric directive of the wrong type (cache-tests cdn-cc-invalid-sh-type-wrong).
    ['a quoted max-age', 'max-age="10000"'],
    ['a decimal max-age', 'max-age=1.5'],
    ['a negative max-age', 'max-age=-5'],
    ['a boolean max-age', 'max-age'],
    ['a token s-maxage', 's-maxage=ten'],
    ['a string stale-if-error', 'max-age=1, stale-if-error="60"'],
    // Whitespace around "=" is not SF (cache-tests cdn-max-age-space-before/after-equals).
    ['space before =', 'max-age =100'],
    ['space after =', 'max-age= 100'],
    ['a trailing comma', 'max-age=100,'],
    ['a leading comma', ', max-age=100'],
    ['an unterminated string', 'ext="abc, max-age=1'],
    ['a key starting with a digit', '1max-age=100'],
  ])('ignores a field with %s', (_what, value) => {
    expect(parseTargeted(value)).toBeUndefined()
  })

  it('reads integers capped like delta-seconds', () => {
    expect(deltaSeconds(parseTargeted('max-age=2147483648')!, 'max-age')).toBe(MAX_DELTA_SECONDS)
    expect(deltaSeconds(parseTargeted('max-age=99999999999')!, 'max-age')).toBe(MAX_DELTA_SECONDS)
    expect(deltaSeconds(parseTargeted('max-age=0')!, 'max-age')).toBe(0)
    expect(deltaSeconds(parseTargeted('no-store')!, 'max-age')).toBeUndefined()
  })
})

describe('parseSurrogateControl (W3C Edge Architecture)', () => {
  it.each<[string, string, Record<string, string | true>]>([
    ['max-age=60', 'portico', { 'max-age': '60' }],
    // Directives targeted at another device are dropped; the device name is case-insensitive.
    ['max-age=60;portico, no-store;other', 'portico', { 'max-age': '60' }],
    ['no-store;Portico', 'portico', { 'no-store': true }],
    ['max-age=5;other', 'portico', {}],
    // A targeted directive and an untargeted one: the first wins.
    ['max-age=30;portico, max-age=300', 'portico', { 'max-age': '30' }],
    ['content="ESI/1.0", max-age=10', 'portico', { content: 'ESI/1.0', 'max-age': '10' }],
  ])('%j for %s → %j', (value, device, expected) => {
    expect(entries(parseSurrogateControl(value, device))).toEqual(expected)
  })

  it('is undefined when absent', () => {
    expect(parseSurrogateControl(null, 'portico')).toBeUndefined()
  })
})

describe('governingDirectives: which field this cache obeys (RFC 9213 section 2.1)', () => {
  const govern = (headers: Record<string, string>, targeted = ['cdn-cache-control']) => governingDirectives(new Headers(headers), targeted, 'portico')

  it('uses Cache-Control when no targeted field is present', () => {
    const g = govern({ 'cache-control': 'max-age=60' })
    expect(g.source).toBe('cache-control')
    expect(g.targeted).toBe(false)
    expect(seconds(g, 'max-age')).toBe(60)
  })

  it('lets a valid CDN-Cache-Control replace Cache-Control entirely', () => {
    const g = govern({ 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=600' })
    expect(g.source).toBe('cdn-cache-control')
    expect(g.targeted).toBe(true)
    expect(g.directives.has('no-store')).toBe(false)
    expect(seconds(g, 'max-age')).toBe(600)
  })

  it('checks the configured field before CDN-Cache-Control', () => {
    const g = govern({ 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=2', 'portico-cache-control': 'max-age=3' }, ['portico-cache-control', 'cdn-cache-control'])
    expect(g.source).toBe('portico-cache-control')
    expect(seconds(g, 'max-age')).toBe(3)
  })

  it('falls through an invalid targeted field to the next one, then to Cache-Control', () => {
    const both = govern({ 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=2', 'portico-cache-control': 'max-age=&' }, ['portico-cache-control', 'cdn-cache-control'])
    expect(both.source).toBe('cdn-cache-control')
    const none = govern({ 'cache-control': 'no-store', 'cdn-cache-control': 'max-age="10000"' })
    expect(none.source).toBe('cache-control')
    expect(none.directives.has('no-store')).toBe(true)
  })

  it('ignores an empty CDN-Cache-Control', () => {
    expect(govern({ 'cache-control': 'max-age=60', 'cdn-cache-control': '' }).source).toBe('cache-control')
  })

  it('uses Surrogate-Control directives aimed at this cache when no targeted field applies', () => {
    const g = govern({ 'cache-control': 'max-age=1', 'surrogate-control': 'max-age=300;portico, no-store;other' })
    expect(g.source).toBe('surrogate-control')
    expect(seconds(g, 'max-age')).toBe(300)
    expect(g.directives.has('no-store')).toBe(false)
  })

  it('ignores Surrogate-Control aimed only at other devices, or when no device is named', () => {
    expect(govern({ 'cache-control': 'max-age=1', 'surrogate-control': 'no-store;other' }).source).toBe('cache-control')
    const unnamed = governingDirectives(new Headers({ 'cache-control': 'max-age=1', 'surrogate-control': 'max-age=300' }), ['cdn-cache-control'], undefined)
    expect(unnamed.source).toBe('cache-control')
  })

  it('prefers CDN-Cache-Control over Surrogate-Control', () => {
    expect(govern({ 'cdn-cache-control': 'max-age=5', 'surrogate-control': 'max-age=300' }).source).toBe('cdn-cache-control')
  })

  it('reads invalid delta-seconds as NaN from either kind of field', () => {
    expect(seconds(govern({ 'cache-control': 'max-age=soon' }), 'max-age')).toBeNaN()
    expect(seconds(govern({ 'surrogate-control': 'max-age=-1' }), 'max-age')).toBeNaN()
  })
})
