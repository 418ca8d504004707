import { describe, expect, it } from 'vitest'
import { governingDirectives, parseCacheControl } from './directives.ts'
import { fieldsNotStored, hasValidator, isVaryStar, mayStore, requestLimits, type StoragePolicy } from './storable.ts'

const POLICY: StoragePolicy = { cacheErrors: false, storeSetCookie: false, edgeTtlSeconds: undefined }

interface Case {
  method?: string
  request?: Record<string, string>
  status?: number
  response?: Record<string, string>
  policy?: Partial<StoragePolicy>
}

function verdict({ method = 'GET', request = {}, status = 200, response = { 'cache-control': 'max-age=60' }, policy = {} }: Case) {
  const headers = new Headers(response)
  return mayStore(method, new Headers(request), status, headers, governingDirectives(headers, ['cdn-cache-control'], 'portico'), { ...POLICY, ...policy })
}
const reasonOf = (c: Case) => {
  const v = verdict(c)
  return v.store ? 'stored' : v.reason
}

describe('mayStore (RFC 9111 section 3): each reason a response is not stored', () => {
  it.each<[string, Case, string]>([
    ['a fresh 200', {}, 'stored'],
    ['a POST', { method: 'POST' }, 'method'],
    ['a HEAD', { method: 'HEAD' }, 'method'],
    ['a request with no-store', { request: { 'cache-control': 'no-store' } }, 'request no-store'],
    ['no-store', { response: { 'cache-control': 'max-age=60, no-store' } }, 'no-store'],
    ['No-StOrE in any case', { response: { 'cache-control': 'No-StOrE' } }, 'no-store'],
    ['no-store beside Expires', { response: { 'cache-control': 'no-store', expires: new Date(Date.now() + 10_000_000).toUTCString() } }, 'no-store'],
    ['private', { response: { 'cache-control': 'private, max-age=3600' } }, 'private'],
    // private="field": the response may be stored without that field (section 5.2.2.7).
    ['private naming a field', { response: { 'cache-control': 'private="x-user", max-age=3600' } }, 'stored'],
    // CDN-Cache-Control replaces Cache-Control for this cache (RFC 9213).
    ['CDN-Cache-Control: private', { response: { 'cdn-cache-control': 'private', 'cache-control': 'max-age=10000' } }, 'private'],
    ['CDN-Cache-Control: no-store', { response: { 'cdn-cache-control': 'no-store', 'cache-control': 'max-age=10000' } }, 'no-store'],
    ['Cache-Control: no-store under a fresh CDN-Cache-Control', { response: { 'cdn-cache-control': 'max-age=10000', 'cache-control': 'no-store' } }, 'stored'],
    ['Cache-Control: no-store under an invalid CDN-Cache-Control', { response: { 'cdn-cache-control': 'max-age=10000, &&&&&', 'cache-control': 'no-store' } }, 'no-store'],
    ['a 206', { status: 206 }, 'partial or not a full response'],
    ['a 304', { status: 304 }, 'partial or not a full response'],
    ['a 103', { status: 103 }, 'partial or not a full response'],
    ['must-understand with an unknown status', { status: 299, response: { 'cache-control': 'must-understand, max-age=60' } }, 'status not understood'],
    ['must-understand with a known status', { response: { 'cache-control': 'must-understand, max-age=60' } }, 'stored'],
    // must-understand: a cache that knows the status ignores no-store (section 5.2.2.3).
    ['must-understand, no-store with a known status', { response: { 'cache-control': 'must-understand, no-store, max-age=60' } }, 'stored'],
    ['must-understand, no-store with an unknown status', { status: 299, response: { 'cache-control': 'must-understand, no-store, max-age=60' } }, 'no-store'],
    ['a 500', { status: 500 }, 'origin error'],
    ['a 503', { status: 503 }, 'origin error'],
    ['a 503 when the route caches errors', { status: 503, policy: { cacheErrors: true } }, 'stored'],
    ['Vary: *', { response: { 'cache-control': 'max-age=60', vary: '*' } }, 'vary *'],
    ['Vary: * in a list', { response: { 'cache-control': 'max-age=60', vary: 'Accept, *' } }, 'vary *'],
    ['Set-Cookie', { response: { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' } }, 'set-cookie'],
    ['Set-Cookie when the route stores it', { response: { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' }, policy: { storeSetCookie: true } }, 'stored'],
    // Authorization (section 3.5): shared only with must-revalidate, public or s-maxage.
    ['an authorized request', { request: { authorization: 'Bearer x' } }, 'authorization'],
    ['an authorized request, public', { request: { authorization: 'Bearer x' }, response: { 'cache-control': 'public, max-age=60' } }, 'stored'],
    ['an authorized request, s-maxage', { request: { authorization: 'Bearer x' }, response: { 'cache-control': 's-maxage=60' } }, 'stored'],
    ['an authorized request, must-revalidate', { request: { authorization: 'Bearer x' }, response: { 'cache-control': 'max-age=60, must-revalidate' } }, 'stored'],
    ['an authorized request, proxy-revalidate only', { request: { authorization: 'Bearer x' }, response: { 'cache-control': 'max-age=60, proxy-revalidate' } }, 'authorization'],
    // Without explicit freshness: only heuristically cacheable statuses (cache-tests heuristic-404-cached...).
    ['a 200 with only Last-Modified', { response: { 'last-modified': 'Mon, 05 Jan 2026 00:00:00 GMT' } }, 'stored'],
    ['a 200 with nothing', { response: {} }, 'stored'],
    ['a 302 without freshness', { status: 302, response: {} }, 'not cacheable'],
    ['a 302 with max-age', { status: 302 }, 'stored'],
    ['a 302 marked public', { status: 302, response: { 'cache-control': 'public' } }, 'stored'],
    ['a 404 with only Last-Modified', { status: 404, response: { 'last-modified': 'Mon, 05 Jan 2026 00:00:00 GMT' } }, 'stored'],
    ['a 410 with only Last-Modified', { status: 410, response: { 'last-modified': 'Mon, 05 Jan 2026 00:00:00 GMT' } }, 'stored'],
    ['a 501 with only Last-Modified', { status: 501, response: { 'last-modified': 'Mon, 05 Jan 2026 00:00:00 GMT' } }, 'origin error'],
    ['a 404 with max-age', { status: 404 }, 'stored'],
    ['a 410 with Expires', { status: 410, response: { expires: new Date(Date.now() + 60_000).toUTCString() } }, 'stored'],
    ['a 403 without freshness', { status: 403, response: {} }, 'not cacheable'],
    // A route edge TTL makes any such response storable; no-store and private still win.
    ['a 302 under a route edge TTL', { status: 302, response: {}, policy: { edgeTtlSeconds: 60 } }, 'stored'],
    ['a 404 under a route edge TTL', { status: 404, response: {}, policy: { edgeTtlSeconds: 60 } }, 'stored'],
    ['no-store under a route edge TTL', { response: { 'cache-control': 'no-store' }, policy: { edgeTtlSeconds: 60 } }, 'no-store'],
    ['private under a route edge TTL', { response: { 'cache-control': 'private' }, policy: { edgeTtlSeconds: 60 } }, 'private'],
  ])('%s → %s', (_what, c, expected) => {
    expect(reasonOf(c)).toBe(expected)
  })
})

describe('fieldsNotStored', () => {
  it.each<[string, string[]]>([
    ['max-age=60', []],
    ['no-cache', []],
    ['no-cache="a"', ['a']],
    ['no-cache="A, b", max-age=3600', ['a', 'b']],
    ['private="X-User", no-cache="Set-Cookie"', ['set-cookie', 'x-user']],
  ])('%s → %j', (cc, expected) => {
    expect(fieldsNotStored(parseCacheControl(cc)).sort()).toEqual(expected)
  })
})

describe('isVaryStar and hasValidator', () => {
  it.each<[string | null, boolean]>([
    [null, false],
    ['Accept-Encoding', false],
    ['*', true],
    [' * ', true],
    ['Accept, *', true],
    ['X-Star*', false],
  ])('Vary %j → %s', (vary, expected) => {
    expect(isVaryStar(new Headers(vary === null ? {} : { vary }))).toBe(expected)
  })

  it('finds ETag or Last-Modified', () => {
    expect(hasValidator(new Headers({ etag: '"a"' }))).toBe(true)
    expect(hasValidator(new Headers({ 'last-modified': 'Mon, 05 Jan 2026 00:00:00 GMT' }))).toBe(true)
    expect(hasValidator(new Headers({ date: 'Mon, 05 Jan 2026 00:00:00 GMT' }))).toBe(false)
  })
})

describe('requestLimits (RFC 9111 section 5.2.1)', () => {
  const limits = (cc?: string, extra: Record<string, string> = {}) => requestLimits(new Headers({ ...(cc === undefined ? {} : { 'cache-control': cc }), ...extra }))

  it('reads nothing from a request without Cache-Control', () => {
    expect(limits()).toEqual({ noCache: false, noStore: false, onlyIfCached: false, maxAge: undefined, minFresh: undefined, maxStale: undefined })
  })

  it.each<[string, Partial<ReturnType<typeof requestLimits>>]>([
    ['no-cache', { noCache: true }],
    ['No-Store', { noStore: true }],
    ['only-if-cached', { onlyIfCached: true }],
    ['max-age=0', { maxAge: 0 }],
    ['max-age=30, min-fresh=10', { maxAge: 30, minFresh: 10 }],
    ['max-stale', { maxStale: Number.POSITIVE_INFINITY }],
    ['max-stale=60', { maxStale: 60 }],
    // Invalid arguments are ignored rather than read as 0.
    ['max-age=soon, max-stale=-1', { maxAge: undefined, maxStale: undefined }],
  ])('%s → %j', (cc, expected) => {
    expect(limits(cc)).toMatchObject(expected)
  })

  it('does not read Pragma (RFC 9111 section 5.4)', () => {
    expect(limits(undefined, { pragma: 'no-cache' }).noCache).toBe(false)
  })
})
