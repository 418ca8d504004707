import { describe, expect, it } from 'vitest'
import { hasOriginPreconditions, ifRangeHolds, isConditional, notModified, notModifiedHeaders, opaqueTag, quotedTag, strongMatch, weakMatch } from './conditional.ts'

const LM = 'Thu, 15 Jan 2026 12:00:00 GMT'
const BEFORE = 'Thu, 15 Jan 2026 11:59:59 GMT'
const AFTER = 'Thu, 15 Jan 2026 12:00:01 GMT'

describe('entity-tag comparison (RFC 9110 section 8.8.3.2)', () => {
  it.each<[string, string, boolean, boolean]>([
    // a, b, weak, strong
    ['"1"', '"1"', true, true],
    ['W/"1"', 'W/"1"', true, false],
    ['W/"1"', '"1"', true, false],
    ['"1"', 'W/"1"', true, false],
    ['"1"', '"2"', false, false],
    ['W/"1"', 'W/"2"', false, false],
    // Common grammar slips are read as meant: lower-case w/, a missing slash, no quotes.
    ['w/"1"', '"1"', true, false],
    ['W"1"', '"1"', true, false],
    ['abc', '"abc"', true, true],
  ])('%s vs %s: weak %s, strong %s', (a, b, weak, strong) => {
    expect(weakMatch(a, b)).toBe(weak)
    expect(strongMatch(a, b)).toBe(strong)
  })

  it.each<[string, string]>([
    ['"abc"', 'abc'],
    ['W/"abc"', 'abc'],
    [' "abc" ', 'abc'],
    ['abc', 'abc'],
    ['""', ''],
  ])('opaqueTag(%j) → %j', (tag, expected) => {
    expect(opaqueTag(tag)).toBe(expected)
  })

  it.each<[string, string]>([
    ['"abc"', '"abc"'],
    ['W/"abc"', 'W/"abc"'],
    ['abc', '"abc"'],
    ['w/"abc"', 'W/"abc"'],
    [' "abc" ', '"abc"'],
  ])('quotedTag(%j) → %j', (tag, expected) => {
    expect(quotedTag(tag)).toBe(expected)
  })
})

describe('notModified: a conditional GET answered 304 from storage (RFC 9110 section 13.2.2)', () => {
  const check = (request: Record<string, string>, stored: Record<string, string>) => notModified(new Headers(request), new Headers(stored))

  it.each<[string, Record<string, string>, Record<string, string>, boolean]>([
    ['a matching strong tag', { 'if-none-match': '"a"' }, { etag: '"a"' }, true],
    ['a tag that does not match', { 'if-none-match': '"b"' }, { etag: '"a"' }, false],
    // If-None-Match uses the weak comparison.
    ['a weak tag against a strong one', { 'if-none-match': 'W/"a"' }, { etag: '"a"' }, true],
    ['a strong tag against a weak one', { 'if-none-match': '"a"' }, { etag: 'W/"a"' }, true],
    ['one of a list', { 'if-none-match': '"x", W/"a", "y"' }, { etag: '"a"' }, true],
    ['a list without it', { 'if-none-match': '"x", "y"' }, { etag: '"a"' }, false],
    ['a tag with a comma inside', { 'if-none-match': '"a,b"' }, { etag: '"a,b"' }, true],
    ['"*" when a representation exists', { 'if-none-match': '*' }, { etag: '"a"' }, true],
    ['"*" without a stored ETag', { 'if-none-match': '*' }, { 'last-modified': LM }, false],
    ['a tag when nothing stored has one', { 'if-none-match': '"a"' }, { 'last-modified': LM }, false],
    // If-None-Match takes precedence: If-Modified-Since is then ignored.
    ['a failing If-None-Match beside a passing If-Modified-Since', { 'if-none-match': '"b"', 'if-modified-since': AFTER }, { etag: '"a"', 'last-modified': LM }, false],
    ['a passing If-None-Match beside a failing If-Modified-Since', { 'if-none-match': '"a"', 'if-modified-since': BEFORE }, { etag: '"a"', 'last-modified': LM }, true],
    ['If-Modified-Since equal to Last-Modified', { 'if-modified-since': LM }, { 'last-modified': LM }, true],
    ['If-Modified-Since after Last-Modified', { 'if-modified-since': AFTER }, { 'last-modified': LM }, true],
    ['If-Modified-Since before Last-Modified', { 'if-modified-since': BEFORE }, { 'last-modified': LM }, false],
    // RFC 9111 section 4.3.2: without Last-Modified, the stored Date stands in.
    ['If-Modified-Since against the stored Date', { 'if-modified-since': LM }, { date: LM }, true],
    ['If-Modified-Since before the stored Date', { 'if-modified-since': BEFORE }, { date: LM }, false],
    ['Last-Modified before Date', { 'if-modified-since': BEFORE }, { 'last-modified': BEFORE, date: AFTER }, true],
    ['an invalid If-Modified-Since', { 'if-modified-since': 'yesterday' }, { 'last-modified': LM }, false],
    ['If-Modified-Since with nothing to compare', { 'if-modified-since': LM }, {}, false],
    ['no condition at all', {}, { etag: '"a"', 'last-modified': LM }, false],
  ])('%s → %s', (_what, request, stored, expected) => {
    expect(check(request, stored)).toBe(expected)
  })
})

describe('isConditional and hasOriginPreconditions', () => {
  it.each<[Record<string, string>, boolean, boolean]>([
    [{}, false, false],
    [{ 'if-none-match': '"a"' }, true, false],
    [{ 'if-modified-since': LM }, true, false],
    [{ 'if-match': '"a"' }, false, true],
    [{ 'if-unmodified-since': LM }, false, true],
    [{ 'if-range': '"a"' }, false, false],
  ])('%j → cache evaluates %s, origin evaluates %s', (request, cache, origin) => {
    expect(isConditional(new Headers(request))).toBe(cache)
    expect(hasOriginPreconditions(new Headers(request))).toBe(origin)
  })
})

describe('ifRangeHolds (RFC 9110 section 13.1.5)', () => {
  it.each<[string, string | null, Record<string, string>, boolean]>([
    ['no If-Range', null, { etag: '"a"' }, true],
    ['a matching strong tag', '"a"', { etag: '"a"' }, true],
    ['another tag', '"b"', { etag: '"a"' }, false],
    // If-Range uses the strong comparison: a weak tag never matches.
    ['a weak tag', 'W/"a"', { etag: 'W/"a"' }, false],
    ['a strong tag against a weak stored one', '"a"', { etag: 'W/"a"' }, false],
    ['a tag with nothing stored', '"a"', { 'last-modified': LM }, false],
    ['a date equal to Last-Modified', LM, { 'last-modified': LM }, true],
    ['a later date', AFTER, { 'last-modified': LM }, false],
    ['an earlier date', BEFORE, { 'last-modified': LM }, false],
    ['a date without Last-Modified', LM, { date: LM }, false],
    ['an invalid date', 'yesterday', { 'last-modified': LM }, false],
  ])('%s → %s', (_what, ifRange, stored, expected) => {
    const request = new Headers(ifRange === null ? {} : { 'if-range': ifRange })
    expect(ifRangeHolds(request, new Headers(stored))).toBe(expected)
  })
})

describe('notModifiedHeaders (RFC 9110 section 15.4.5)', () => {
  it('keeps the stored metadata and drops what describes a body', () => {
    const h = notModifiedHeaders(new Headers({ etag: '"a"', 'cache-control': 'max-age=60', 'content-type': 'text/plain', 'content-length': '5', 'content-encoding': 'gzip', 'content-range': 'bytes 0-4/5', vary: 'Accept' }))
    expect(Object.fromEntries(h)).toEqual({ etag: '"a"', 'cache-control': 'max-age=60', 'content-type': 'text/plain', vary: 'Accept' })
  })
})
