/// <reference types="@cloudflare/vitest-plugin/types" />
// HTTP caching (RFC 9111) through the whole Worker in workerd, with the real Cache API, in front of
// the real loopback origin: what is stored and reused, what is not, and what the client is told.
import { describe, expect, it } from 'vitest'
import { cachingEnv, fetchThrough, httpDate, originSaw, resource, type Answer } from './cache-harness.ts'
import { ORIGIN_URL, withConfig } from './harness.ts'

const FRESH = 'Cache-Control: max-age=3600'

describe('storing and reusing a response', () => {
  it('answers a second request from storage, saying so in Cache-Status and Age', async () => {
    const env = cachingEnv()
    const { url, path } = resource('miss-hit', { h: FRESH })
    const first = await fetchThrough(url, env)
    expect(first.status).toBe(200)
    expect(first.cacheStatus).toBe('Portico; fwd=uri-miss; fwd-status=200; stored')
    const second = await fetchThrough(url, env)
    expect(second.status).toBe(200)
    expect(second.body).toBe(first.body)
    expect(second.cacheStatus).toMatch(/^Portico; hit; ttl=(3600|3599)$/)
    expect(Number(second.headers.get('age'))).toBeLessThanOrEqual(1)
    expect(second.headers.get('cache-control')).toBe('max-age=3600')
    expect((await originSaw(path)).count).toBe(1)
  })

  it('counts the Age the origin sent into the Age it gives', async () => {
    const env = cachingEnv()
    const { url } = resource('age-carried', { h: [FRESH, 'Age: 100'] })
    await fetchThrough(url, env)
    const hit = await fetchThrough(url, env)
    expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(100)
    expect(Number(hit.headers.get('age'))).toBeLessThanOrEqual(101)
    expect(hit.cacheStatus).toMatch(/^Portico; hit; ttl=(3500|3499)$/)
  })

  it('does not reuse a response whose Age exceeds its max-age', async () => {
    const env = cachingEnv()
    const { url, path } = resource('age-over', { h: ['Cache-Control: max-age=60', 'Age: 7200'] })
    await fetchThrough(url, env)
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('reuses a response fresh by Expires', async () => {
    const env = cachingEnv()
    const { url, path } = resource('expires', { h: `Expires: ${httpDate(3600)}` })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('reuses a response with only Last-Modified for a share of its age (heuristic freshness)', async () => {
    const env = cachingEnv()
    const { url, path } = resource('heuristic', { h: `Last-Modified: ${httpDate(-10 * 86_400)}` })
    await fetchThrough(url, env)
    const hit = await fetchThrough(url, env)
    // 10% of ten days, capped at a day.
    expect(hit.cacheStatus).toMatch(/^Portico; hit; ttl=(86400|86399)$/)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('gives no heuristic freshness when the route turns it off', async () => {
    const env = cachingEnv({ heuristicPercent: 0 })
    const { url, path } = resource('heuristic-off', { h: `Last-Modified: ${httpDate(-10 * 86_400)}` })
    await fetchThrough(url, env)
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it.each([
    ['max-age=0', ['Cache-Control: max-age=0']],
    ['no-store', ['Cache-Control: no-store, max-age=3600']],
    ['private', ['Cache-Control: private, max-age=3600']],
    ['an invalid Expires', ['Expires: 0']],
    ['a past Expires', [`Expires: ${httpDate(-60)}`]],
    ['an invalid max-age beside a future Expires', ['Cache-Control: max-age=soon', `Expires: ${httpDate(3600)}`]],
    ['no freshness information', []],
  ])('does not reuse a response with %s', async (_what, h) => {
    const env = cachingEnv()
    const { url, path } = resource('not-reused', { h })
    await fetchThrough(url, env)
    const again = await fetchThrough(url, env)
    expect(again.cacheStatus).not.toMatch(/; hit/)
    expect((await originSaw(path)).count).toBe(2)
  })

  it.each([
    ['no-store', 'Cache-Control: no-store', 'detail=no-store'],
    ['private', 'Cache-Control: private', 'detail=private'],
    ['Vary: *', 'Vary: *', 'detail="vary *"'],
  ])('says why a response with %s was not stored', async (_what, h, detail) => {
    const env = cachingEnv()
    const { url } = resource('why-not', { h: [h, 'Cache-Control: max-age=3600'] })
    const res = await fetchThrough(url, env)
    expect(res.cacheStatus).toBe(`Portico; fwd=uri-miss; fwd-status=200; ${detail}`)
  })

  it('never stores a response with Vary: *', async () => {
    const env = cachingEnv()
    const { url, path } = resource('vary-star', { h: [FRESH, 'Vary: *'] })
    await fetchThrough(url, env)
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('does not store when the client asks no-store, yet answers from storage when it can', async () => {
    const env = cachingEnv()
    const { url, path } = resource('request-no-store', { h: FRESH })
    const first = await fetchThrough(url, env, { headers: { 'cache-control': 'no-store' } })
    expect(first.cacheStatus).toContain('detail="request no-store"')
    await fetchThrough(url, env)
    const hit = await fetchThrough(url, env, { headers: { 'cache-control': 'no-store' } })
    expect(hit.cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(2)
  })
})

describe('the Authorization rule (RFC 9111 section 3.5)', () => {
  it('does not share a response to an authenticated request', async () => {
    const env = cachingEnv()
    const { url, path } = resource('auth', { h: FRESH })
    const first = await fetchThrough(url, env, { headers: { authorization: 'Bearer alice' } })
    expect(first.cacheStatus).toContain('detail=authorization')
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it.each(['public, max-age=3600', 's-maxage=3600', 'max-age=3600, must-revalidate'])('shares it when the origin says %s', async (cc) => {
    const env = cachingEnv()
    const { url, path } = resource('auth-shared', { h: `Cache-Control: ${cc}` })
    await fetchThrough(url, env, { headers: { authorization: 'Bearer alice' } })
    const other = await fetchThrough(url, env)
    expect(other.cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })
})

describe('Set-Cookie and errors', () => {
  it('does not store a response that sets a cookie', async () => {
    const env = cachingEnv()
    const { url, path } = resource('cookie', { h: [FRESH, 'Set-Cookie: session=alice; Path=/'] })
    const first = await fetchThrough(url, env)
    expect(first.cacheStatus).toContain('detail=set-cookie')
    const second = await fetchThrough(url, env)
    expect(second.headers.getSetCookie()).toEqual(['session=alice; Path=/'])
    expect((await originSaw(path)).count).toBe(2)
  })

  it('stores it, cookie and all, when the route says storeSetCookie', async () => {
    const env = cachingEnv({ storeSetCookie: true })
    const { url, path } = resource('cookie-stored', { h: [FRESH, 'Set-Cookie: theme=dark; Path=/', 'Set-Cookie: lang=en'] })
    await fetchThrough(url, env)
    const hit = await fetchThrough(url, env)
    expect(hit.cacheStatus).toMatch(/; hit; /)
    expect(hit.headers.getSetCookie()).toEqual(['theme=dark; Path=/', 'lang=en'])
    expect((await originSaw(path)).count).toBe(1)
  })

  it('does not store a 5xx, even an explicitly fresh one', async () => {
    const env = cachingEnv()
    const { url, path } = resource('error', { status: '503', h: FRESH })
    const first = await fetchThrough(url, env)
    expect(first.status).toBe(503)
    expect(first.cacheStatus).toBe('Portico; fwd=uri-miss; fwd-status=503; detail="origin error"')
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('stores a fresh 5xx when the route says cacheErrors', async () => {
    const env = cachingEnv({ cacheErrors: true })
    const { url, path } = resource('error-cached', { status: '503', h: 'Cache-Control: max-age=30' })
    await fetchThrough(url, env)
    const hit = await fetchThrough(url, env)
    expect(hit.status).toBe(503)
    expect(hit.cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('stores a 404 for as long as the origin says, or heuristically from Last-Modified (RFC 9111 section 4.2.2), never a 403', async () => {
    const env = cachingEnv()
    const heuristic = resource('not-found', { status: '404', h: `Last-Modified: ${httpDate(-86_400)}` })
    await fetchThrough(heuristic.url, env)
    expect((await fetchThrough(heuristic.url, env)).status).toBe(404)
    expect((await originSaw(heuristic.path)).count).toBe(1)
    const forbidden = resource('forbidden', { status: '403', h: `Last-Modified: ${httpDate(-86_400)}` })
    await fetchThrough(forbidden.url, env)
    await fetchThrough(forbidden.url, env)
    expect((await originSaw(forbidden.path)).count).toBe(2)
    const explicit = resource('not-found-fresh', { status: '404', h: 'Cache-Control: max-age=60' })
    await fetchThrough(explicit.url, env)
    expect((await fetchThrough(explicit.url, env)).status).toBe(404)
    expect((await originSaw(explicit.path)).count).toBe(1)
  })

  it('never stores a body the origin broke off, with or without a Content-Length', async () => {
    const env = cachingEnv({ edgeTtlSeconds: 3600 })
    const settle = (p: Promise<Answer>) => p.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))
    for (const query of ['', '&chunked=1']) {
      // demo /truncated promises 100000 bytes (or sends chunked), sends a few, then drops the connection.
      const url = `https://www.example.com/truncated?id=${resource('truncated').path.slice('/cached/'.length)}${query}`
      const first = await settle(fetchThrough(url, env))
      expect(first, 'the client sees the body break').toBeInstanceOf(Error)
      const again = await settle(fetchThrough(url, env))
      if (!(again instanceof Error)) expect(again.cacheStatus).not.toMatch(/; hit/)
      expect(again, 'the second request went to the origin and broke off again').toBeInstanceOf(Error)
    }
  })
})

describe('Vary: one stored response per variant (RFC 9111 section 4.1)', () => {
  it('keeps the variants of a header apart, and an absent header is a variant of its own', async () => {
    const env = cachingEnv()
    const { url, path } = resource('vary', { h: [FRESH, 'Vary: X-Lang'], body: 'variant #{n}' })
    const en = await fetchThrough(url, env, { headers: { 'x-lang': 'en' } })
    const de = await fetchThrough(url, env, { headers: { 'x-lang': 'de' } })
    const none = await fetchThrough(url, env)
    expect([en.body, de.body, none.body]).toEqual(['variant #1', 'variant #2', 'variant #3'])
    expect(de.cacheStatus).toBe('Portico; fwd=vary-miss; fwd-status=200; stored')
    expect((await fetchThrough(url, env, { headers: { 'x-lang': 'en' } })).body).toBe('variant #1')
    expect((await fetchThrough(url, env, { headers: { 'x-lang': 'de' } })).body).toBe('variant #2')
    const again = await fetchThrough(url, env, { headers: { other: 'x' } })
    expect(again.body).toBe('variant #3')
    expect(again.cacheStatus).toMatch(/; hit; /)
    expect((await fetchThrough(url, env, { headers: { 'x-lang': '' } })).body).toBe('variant #4')
    expect((await originSaw(path)).count).toBe(4)
  })

  it('matches on every header Vary names', async () => {
    const env = cachingEnv()
    const { url, path } = resource('vary-two', { h: [FRESH, 'Vary: X-A, X-B'], body: 'v#{n}' })
    await fetchThrough(url, env, { headers: { 'x-a': '1', 'x-b': '1' } })
    expect((await fetchThrough(url, env, { headers: { 'x-a': '1', 'x-b': '2' } })).body).toBe('v#2')
    expect((await fetchThrough(url, env, { headers: { 'x-a': '1' } })).body).toBe('v#3')
    expect((await fetchThrough(url, env, { headers: { 'x-b': '1', 'x-a': '1' } })).body).toBe('v#1')
    expect((await originSaw(path)).count).toBe(3)
  })

  it('gives the many spellings of Accept-Encoding one variant', async () => {
    const env = cachingEnv()
    const { url, path } = resource('vary-ae', { h: [FRESH, 'Vary: Accept-Encoding'], body: 'ae#{n}' })
    await fetchThrough(url, env, { headers: { 'accept-encoding': 'gzip, deflate, br' } })
    expect((await fetchThrough(url, env, { headers: { 'accept-encoding': 'br;q=0.9, gzip, deflate' } })).body).toBe('ae#1')
    expect((await fetchThrough(url, env, { headers: { 'accept-encoding': 'gzip' } })).body).toBe('ae#2')
    expect((await originSaw(path)).count).toBe(2)
  })
})

describe('targeted cache control (RFC 9213)', () => {
  it('obeys CDN-Cache-Control over Cache-Control, and does not pass it on', async () => {
    const env = cachingEnv()
    const { url, path } = resource('cdn-cc', { h: ['Cache-Control: no-store', 'CDN-Cache-Control: max-age=600'] })
    const first = await fetchThrough(url, env)
    expect(first.cacheStatus).toContain('stored')
    expect(first.headers.get('cdn-cache-control')).toBeNull()
    expect(first.headers.get('cache-control')).toBe('no-store')
    const hit = await fetchThrough(url, env)
    expect(hit.cacheStatus).toMatch(/^Portico; hit; ttl=(600|599)$/)
    expect(hit.headers.get('cdn-cache-control')).toBeNull()
    expect((await originSaw(path)).count).toBe(1)
  })

  it('prefers a short CDN-Cache-Control max-age over a long Cache-Control one', async () => {
    const env = cachingEnv()
    const { url, path } = resource('cdn-short', { h: ['Cache-Control: max-age=3600', 'CDN-Cache-Control: max-age=0'] })
    await fetchThrough(url, env)
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('ignores an invalid CDN-Cache-Control and follows Cache-Control', async () => {
    const env = cachingEnv()
    const { url, path } = resource('cdn-invalid', { h: ['Cache-Control: no-store', 'CDN-Cache-Control: max-age="10000"'] })
    expect((await fetchThrough(url, env)).cacheStatus).toContain('detail=no-store')
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('checks the configured provider field first and hides it from clients too', async () => {
    const env = cachingEnv({ targetedField: 'Portico-Cache-Control' })
    const { url, path } = resource('own-field', { h: ['CDN-Cache-Control: no-store', 'Portico-Cache-Control: max-age=300'] })
    const first = await fetchThrough(url, env)
    expect(first.headers.get('portico-cache-control')).toBeNull()
    expect(first.headers.get('cdn-cache-control')).toBeNull()
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/^Portico; hit; ttl=(300|299)$/)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('obeys Surrogate-Control aimed at Portico, tells the origin it may send it, and hides it and purge tags', async () => {
    const env = cachingEnv()
    const { url, path } = resource('surrogate', { h: ['Cache-Control: no-store', 'Surrogate-Control: max-age=120;portico, no-store;other', 'Cache-Tag: a,b', 'Surrogate-Key: c'] })
    const first = await fetchThrough(url, env)
    for (const name of ['surrogate-control', 'cache-tag', 'surrogate-key']) expect(first.headers.get(name), name).toBeNull()
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/^Portico; hit; ttl=(120|119)$/)
    const seen = await originSaw(path)
    expect(seen.count).toBe(1)
    expect(seen.requests[0]?.headers['surrogate-capability']).toBe('portico="Surrogate/1.0"')
  })
})

describe('route TTLs', () => {
  it('keeps a response at the edge for edgeTtlSeconds, whatever the origin said', async () => {
    const env = cachingEnv({ edgeTtlSeconds: 120 })
    const { url, path } = resource('edge-ttl', { h: 'Cache-Control: max-age=0' })
    await fetchThrough(url, env)
    const hit = await fetchThrough(url, env)
    expect(hit.cacheStatus).toMatch(/^Portico; hit; ttl=(120|119)$/)
    expect(hit.headers.get('cache-control')).toBe('max-age=0')
    expect((await originSaw(path)).count).toBe(1)
  })

  it('still does not store no-store or private under an edge TTL', async () => {
    const env = cachingEnv({ edgeTtlSeconds: 120 })
    for (const cc of ['no-store', 'private']) {
      const { url, path } = resource('edge-ttl-no', { h: `Cache-Control: ${cc}` })
      await fetchThrough(url, env)
      await fetchThrough(url, env)
      expect((await originSaw(path)).count, cc).toBe(2)
    }
  })

  it('tells browsers browserTtlSeconds apart from the edge TTL, on misses and hits', async () => {
    const env = cachingEnv({ edgeTtlSeconds: 3600, browserTtlSeconds: 60 })
    const { url } = resource('browser-ttl', { h: 'Cache-Control: max-age=5' })
    const miss = await fetchThrough(url, env)
    expect(miss.headers.get('cache-control')).toBe('public, max-age=60')
    const hit = await fetchThrough(url, env)
    expect(hit.cacheStatus).toMatch(/^Portico; hit; ttl=(3600|3599)$/)
    expect(hit.headers.get('cache-control')).toBe('public, max-age=60')
  })

  it('leaves Cache-Control alone on what it did not store', async () => {
    const env = cachingEnv({ browserTtlSeconds: 60 })
    const { url } = resource('browser-ttl-no-store', { h: 'Cache-Control: private, max-age=5' })
    expect((await fetchThrough(url, env)).headers.get('cache-control')).toBe('private, max-age=5')
  })
})

describe('the cache key', () => {
  it('keeps different queries apart by default, and their order matters', async () => {
    const env = cachingEnv()
    const { url, path } = resource('query', { h: FRESH })
    await fetchThrough(`${url}&a=1&b=2`, env)
    await fetchThrough(`${url}&b=2&a=1`, env)
    await fetchThrough(`${url}&a=2&b=2`, env)
    expect((await fetchThrough(`${url}&a=1&b=2`, env)).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(3)
  })

  it('shares one entry across parameter orders with sortQuery', async () => {
    const env = cachingEnv({ key: { sortQuery: true } })
    const { url, path } = resource('sorted', { h: FRESH })
    await fetchThrough(`${url}&a=1&b=2`, env)
    expect((await fetchThrough(`${url}&b=2&a=1`, env)).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('drops the listed parameters from the key', async () => {
    const env = cachingEnv({ key: { ignoreQuery: ['utm_source', 'fbclid'] } })
    const { url, path } = resource('ignored-params', { h: FRESH })
    await fetchThrough(`${url}&utm_source=news`, env)
    expect((await fetchThrough(`${url}&utm_source=ads&fbclid=x`, env)).cacheStatus).toMatch(/; hit; /)
    expect((await fetchThrough(`${url}&page=2`, env)).cacheStatus).not.toMatch(/; hit/)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('drops the whole query with ignoreQuery: true', async () => {
    const env = cachingEnv({ key: { ignoreQuery: true } })
    const { url, path } = resource('no-query', { h: FRESH })
    await fetchThrough(url, env)
    // The origin's answer depends only on the parameters the first request sent.
    expect((await fetchThrough(`${url}&anything=else`, env)).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('adds the chosen headers and cookies to the key', async () => {
    const env = cachingEnv({ key: { headers: ['X-Device'], cookies: ['lang'] } })
    const { url, path } = resource('keyed', { h: FRESH, body: '#{n}' })
    const mobileEn = { 'x-device': 'mobile', cookie: 'session=1; lang=en' }
    expect((await fetchThrough(url, env, { headers: mobileEn })).body).toBe('#1')
    expect((await fetchThrough(url, env, { headers: { ...mobileEn, cookie: 'lang=en; session=2' } })).body).toBe('#1')
    expect((await fetchThrough(url, env, { headers: { ...mobileEn, 'x-device': 'desktop' } })).body).toBe('#2')
    expect((await fetchThrough(url, env, { headers: { ...mobileEn, cookie: 'lang=de' } })).body).toBe('#3')
    expect((await originSaw(path)).count).toBe(3)
  })

  it('treats the host name case-insensitively', async () => {
    const env = cachingEnv()
    const { url, path } = resource('host-case', { h: FRESH })
    await fetchThrough(url, env)
    expect((await fetchThrough(url.replace('www.example.com', 'WWW.Example.COM'), env)).cacheStatus).toMatch(/; hit; /)
    expect((await fetchThrough(url.replace('www.example.com', 'other.example.com'), env)).cacheStatus).not.toMatch(/; hit/)
    expect((await originSaw(path)).count).toBe(2)
  })
})

describe('per-route policy', () => {
  it('bypasses the cache when a listed cookie or header is present', async () => {
    const env = cachingEnv({ bypass: { cookies: ['session'], headers: ['X-Preview'] } })
    const { url, path } = resource('bypass', { h: FRESH })
    await fetchThrough(url, env)
    const withCookie = await fetchThrough(url, env, { headers: { cookie: 'theme=dark; session=abc' } })
    expect(withCookie.cacheStatus).toBe('Portico; fwd=bypass; detail="cookie session"')
    const withHeader = await fetchThrough(url, env, { headers: { 'x-preview': '1' } })
    expect(withHeader.cacheStatus).toBe('Portico; fwd=bypass; detail="header x-preview"')
    // A cookie whose name only ends in "session" is another cookie.
    expect((await fetchThrough(url, env, { headers: { cookie: 'nosession=1' } })).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(3)
  })

  it('does not cache at all with enabled: false, and says so', async () => {
    const env = cachingEnv({ enabled: false })
    const { url, path } = resource('off', { h: FRESH })
    const first = await fetchThrough(url, env)
    expect(first.cacheStatus).toBe('Portico; fwd=bypass; detail=cache-off')
    await fetchThrough(url, env)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('says the cache is off on a route without cache settings', async () => {
    const { url } = resource('no-cache-settings', { h: FRESH })
    expect((await fetchThrough(url, withConfig({ routes: [{ upstream: ORIGIN_URL }] }))).cacheStatus).toBe('Portico; fwd=bypass; detail=cache-off')
  })
})

describe('HEAD and Range from a stored GET', () => {
  const BODY = '0123456789abcdefghij'

  it('answers HEAD from a stored GET, and a first HEAD fills the cache for GET', async () => {
    const env = cachingEnv()
    const { url, path } = resource('head', { h: FRESH, body: BODY })
    await fetchThrough(url, env)
    const head = await fetchThrough(url, env, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers.get('content-length')).toBe('20')
    expect(head.cacheStatus).toMatch(/; hit; /)
    const other = resource('head-first', { h: FRESH, body: BODY })
    expect((await fetchThrough(other.url, env, { method: 'HEAD' })).body).toBe('')
    const get = await fetchThrough(other.url, env)
    expect(get.body).toBe(BODY)
    expect(get.cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).requests.map((r) => r.method)).toEqual(['GET'])
    expect((await originSaw(other.path)).requests.map((r) => r.method)).toEqual(['GET'])
  })

  it.each<[string, number, string, string | null]>([
    ['bytes=0-4', 206, '01234', 'bytes 0-4/20'],
    ['bytes=15-', 206, 'fghij', 'bytes 15-19/20'],
    ['bytes=-3', 206, 'hij', 'bytes 17-19/20'],
    ['bytes=18-100', 206, 'ij', 'bytes 18-19/20'],
    ['bytes=20-', 416, '', 'bytes */20'],
    ['bytes=0-1,5-6', 200, BODY, null],
  ])('answers Range %s from storage with %i', async (range, status, body, contentRange) => {
    const env = cachingEnv()
    const { url, path } = resource('range', { h: FRESH, body: BODY })
    await fetchThrough(url, env)
    const res = await fetchThrough(url, env, { headers: { range } })
    expect(res.status).toBe(status)
    expect(res.body).toBe(body)
    expect(res.headers.get('content-range')).toBe(contentRange)
    expect(res.cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('serves a Range from a stored body the origin sent chunked', async () => {
    const env = cachingEnv()
    const { url } = resource('range-chunked', { h: FRESH, body: BODY, chunked: '1' })
    await fetchThrough(url, env)
    const res = await fetchThrough(url, env, { headers: { range: 'bytes=2-5' } })
    expect(res.status).toBe(206)
    expect(res.body).toBe('2345')
  })

  it('sends the whole stored body when If-Range does not match', async () => {
    const env = cachingEnv()
    const { url } = resource('if-range', { h: FRESH, body: BODY, etag: '"r1"' })
    await fetchThrough(url, env)
    const matching = await fetchThrough(url, env, { headers: { range: 'bytes=0-1', 'if-range': '"r1"' } })
    expect([matching.status, matching.body]).toEqual([206, '01'])
    const stale = await fetchThrough(url, env, { headers: { range: 'bytes=0-1', 'if-range': '"r0"' } })
    expect([stale.status, stale.body]).toEqual([200, BODY])
  })

  it('passes a Range on a miss to the origin and stores nothing', async () => {
    const env = cachingEnv()
    const { url, path } = resource('range-miss', { h: FRESH, body: BODY })
    const res = await fetchThrough(url, env, { headers: { range: 'bytes=0-4' } })
    expect(res.cacheStatus).toBe('Portico; fwd=uri-miss; fwd-status=200; detail=range')
    expect((await fetchThrough(url, env)).cacheStatus).toContain('stored')
    expect((await originSaw(path)).requests.map((r) => r.headers.range)).toEqual(['bytes=0-4', undefined])
  })
})
