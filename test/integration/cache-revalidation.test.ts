/// <reference types="@cloudflare/vitest-plugin/types" />
// Revalidation, stale responses, client directives and invalidation through the whole Worker in
// workerd, in front of the real loopback origin. A stored response is made stale at once by an Age
// larger than its max-age on the origin's full responses (`full=Age: 100`), so no test waits for a
// clock, except the one that shows real expiry.
import { describe, expect, it } from 'vitest'
import { cachingEnv, fetchThrough, httpDate, originSaw, resource, sleep } from './cache-harness.ts'
import { ORIGIN_URL, withConfig } from './harness.ts'

/** Nothing listens on port 1: connections are refused at once. */
const DEAD = 'http://127.0.0.1:1'
const STALE_ON_ARRIVAL = 'Age: 100'

describe('revalidation with conditional requests (RFC 9111 section 4.3)', () => {
  it('revalidates a no-cache response on every use and serves the stored body on 304', async () => {
    const env = cachingEnv()
    const { url, path } = resource('no-cache', { h: 'Cache-Control: no-cache', etag: '"nc1"', nm: 'X-Checked: #{n}', body: 'stored body' })
    expect((await fetchThrough(url, env)).cacheStatus).toContain('stored')
    for (const n of [2, 3]) {
      const res = await fetchThrough(url, env)
      expect(res.status).toBe(200)
      expect(res.body).toBe('stored body')
      expect(res.cacheStatus).toMatch(/^Portico; fwd=stale; fwd-status=304/)
      // The 304's headers are merged into what the client gets.
      expect(res.headers.get('x-checked')).toBe(`#${n}`)
    }
    const seen = await originSaw(path)
    expect(seen.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"nc1"', '"nc1"'])
  })

  it('revalidates a stale response with its ETag, then serves it fresh with the 304 headers merged', async () => {
    const env = cachingEnv()
    const { url, path } = resource('etag', { h: 'Cache-Control: max-age=60', full: [STALE_ON_ARRIVAL, 'X-Version: 1'], nm: 'X-Version: 2', etag: '"e1"', body: 'etag body' })
    await fetchThrough(url, env)
    const revalidated = await fetchThrough(url, env)
    expect(revalidated.cacheStatus).toMatch(/^Portico; fwd=stale; fwd-status=304; ttl=(60|59)$/)
    expect(revalidated.body).toBe('etag body')
    expect(revalidated.headers.get('x-version')).toBe('2')
    const hit = await fetchThrough(url, env)
    expect(hit.cacheStatus).toMatch(/^Portico; hit; ttl=(60|59)$/)
    expect(hit.headers.get('x-version')).toBe('2')
    expect(Number(hit.headers.get('age'))).toBeLessThan(5)
    expect(hit.body).toBe('etag body')
    const seen = await originSaw(path)
    expect(seen.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"e1"'])
  })

  it('revalidates with If-Modified-Since when the response has only Last-Modified', async () => {
    const env = cachingEnv()
    const lm = httpDate(-86_400)
    const { url, path } = resource('last-modified', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL, lm })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/fwd=stale; fwd-status=304/)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/; hit; /)
    const seen = await originSaw(path)
    expect(seen.requests.map((r) => r.headers['if-modified-since'])).toEqual([undefined, lm])
    expect(seen.requests[1]?.headers['if-none-match']).toBeUndefined()
  })

  it('revalidates once real time has passed its max-age', async () => {
    const env = cachingEnv()
    const { url, path } = resource('expiry', { h: 'Cache-Control: max-age=1', etag: '"x1"' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/; hit; /)
    await sleep(1_200)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/fwd=stale; fwd-status=304/)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('replaces the stored response when the origin answers the revalidation with a new one', async () => {
    const env = cachingEnv()
    const { url, path } = resource('changed', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL, etag: '"v{n}"', body: 'version {n}' })
    expect((await fetchThrough(url, env)).body).toBe('version 1')
    const changed = await fetchThrough(url, env)
    expect(changed.body).toBe('version 2')
    expect(changed.cacheStatus).toBe('Portico; fwd=stale; fwd-status=200; stored')
    expect((await fetchThrough(url, env)).headers.get('etag')).toBe('"v3"')
    expect((await originSaw(path)).requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"', '"v2"'])
  })

  it('drops the stored response when the revalidation says it may no longer be stored', async () => {
    const env = cachingEnv()
    const { url, path } = resource('now-no-store', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL, after: 'Cache-Control: no-store' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toBe('Portico; fwd=stale; fwd-status=200; detail=no-store')
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/^Portico; fwd=uri-miss; /)
    expect((await originSaw(path)).count).toBe(3)
  })

  it('does not serve a stale must-revalidate response when the origin fails', async () => {
    const env = cachingEnv({ staleIfErrorSeconds: 3600 })
    const { url } = resource('must-revalidate', { h: 'Cache-Control: max-age=60, must-revalidate', full: STALE_ON_ARRIVAL, failFrom: '2' })
    await fetchThrough(url, env)
    const res = await fetchThrough(url, env)
    expect(res.status).toBe(503)
    expect(res.cacheStatus).toMatch(/^Portico; fwd=stale; fwd-status=503/)
  })
})

describe('conditional requests from clients, answered from storage', () => {
  it('answers If-None-Match with 304 from storage without asking the origin', async () => {
    const env = cachingEnv()
    const { url, path } = resource('client-inm', { h: 'Cache-Control: max-age=600', etag: '"c1"' })
    await fetchThrough(url, env)
    const notModified = await fetchThrough(url, env, { headers: { 'if-none-match': 'W/"c1"' } })
    expect(notModified.status).toBe(304)
    expect(notModified.body).toBe('')
    expect(notModified.headers.get('etag')).toBe('"c1"')
    expect(notModified.cacheStatus).toMatch(/; hit; /)
    const changed = await fetchThrough(url, env, { headers: { 'if-none-match': '"c0"' } })
    expect(changed.status).toBe(200)
    expect((await fetchThrough(url, env, { headers: { 'if-none-match': '*' } })).status).toBe(304)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('answers If-Modified-Since from storage', async () => {
    const env = cachingEnv()
    const lm = httpDate(-3600)
    const { url, path } = resource('client-ims', { h: 'Cache-Control: max-age=600', lm })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env, { headers: { 'if-modified-since': lm } })).status).toBe(304)
    expect((await fetchThrough(url, env, { headers: { 'if-modified-since': httpDate(-7200) } })).status).toBe(200)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('fetches the full response on a miss, stores it, and still answers the client 304', async () => {
    const env = cachingEnv()
    const { url, path } = resource('client-inm-miss', { h: 'Cache-Control: max-age=600', etag: '"m1"' })
    const res = await fetchThrough(url, env, { headers: { 'if-none-match': '"m1"' } })
    expect(res.status).toBe(304)
    expect(res.cacheStatus).toContain('stored')
    expect((await fetchThrough(url, env)).status).toBe(200)
    const seen = await originSaw(path)
    expect(seen.count).toBe(1)
    expect(seen.requests[0]?.headers['if-none-match']).toBeUndefined()
  })

  it('leaves If-Match to the origin', async () => {
    const env = cachingEnv()
    const { url, path } = resource('if-match', { h: 'Cache-Control: max-age=600', etag: '"i1"' })
    await fetchThrough(url, env)
    const res = await fetchThrough(url, env, { headers: { 'if-match': '"i1"' } })
    expect(res.cacheStatus).toBe('Portico; fwd=request; detail=precondition')
    expect((await originSaw(path)).requests[1]?.headers['if-match']).toBe('"i1"')
  })
})

describe('what the client asks for (RFC 9111 section 5.2.1)', () => {
  it('revalidates a fresh response for Cache-Control: no-cache or max-age=0', async () => {
    const env = cachingEnv()
    const { url, path } = resource('client-no-cache', { h: 'Cache-Control: max-age=600', etag: '"n1"' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'no-cache' } })).cacheStatus).toMatch(/fwd=stale; fwd-status=304/)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'max-age=0' } })).cacheStatus).toMatch(/fwd=stale; fwd-status=304/)
    expect((await originSaw(path)).count).toBe(3)
  })

  it('ignores the client directives when the route says honorRequestDirectives: false', async () => {
    const env = cachingEnv({ honorRequestDirectives: false })
    const { url, path } = resource('client-ignored', { h: 'Cache-Control: max-age=600' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'no-cache' } })).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })

  it('serves a stale response within the max-stale the client accepts', async () => {
    const env = cachingEnv()
    const { url, path } = resource('max-stale', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL })
    await fetchThrough(url, env)
    const res = await fetchThrough(url, env, { headers: { 'cache-control': 'max-stale=3600' } })
    expect(res.cacheStatus).toMatch(/^Portico; hit; ttl=-4[01]; detail=max-stale$/)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'max-stale=10' } })).cacheStatus).not.toMatch(/; hit/)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('goes to the origin when the stored response is not fresh enough for min-fresh', async () => {
    const env = cachingEnv()
    const { url, path } = resource('min-fresh', { h: 'Cache-Control: max-age=60' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'min-fresh=30' } })).cacheStatus).toMatch(/; hit; /)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'min-fresh=120' } })).cacheStatus).not.toMatch(/; hit/)
    expect((await originSaw(path)).count).toBe(2)
  })

  it('answers only-if-cached with 504 when nothing fresh is stored', async () => {
    const env = cachingEnv()
    const { url, path } = resource('only-if-cached', { h: 'Cache-Control: max-age=600' })
    const miss = await fetchThrough(url, env, { headers: { 'cache-control': 'only-if-cached' } })
    expect(miss.status).toBe(504)
    expect(miss.cacheStatus).toBe('Portico; detail=only-if-cached')
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env, { headers: { 'cache-control': 'only-if-cached' } })).status).toBe(200)
    const stale = resource('only-if-cached-stale', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL })
    await fetchThrough(stale.url, env)
    expect((await fetchThrough(stale.url, env, { headers: { 'cache-control': 'only-if-cached' } })).status).toBe(504)
    expect((await originSaw(path)).count).toBe(1)
    expect((await originSaw(stale.path)).count).toBe(1)
  })
})

describe('serving stale (RFC 5861)', () => {
  it('serves stale within stale-while-revalidate at once and refreshes in the background', async () => {
    const env = cachingEnv()
    const { url, path } = resource('swr', { h: 'Cache-Control: max-age=60, stale-while-revalidate=600', full: STALE_ON_ARRIVAL, body: 'body #{n}' })
    expect((await fetchThrough(url, env)).body).toBe('body #1')
    const stale = await fetchThrough(url, env)
    expect(stale.body).toBe('body #1')
    expect(stale.cacheStatus).toMatch(/^Portico; hit; ttl=-4[01]; detail=stale-while-revalidate$/)
    // fetchThrough waited for the background refresh: the next request gets its body.
    expect((await originSaw(path)).count).toBe(2)
    expect((await fetchThrough(url, env)).body).toBe('body #2')
  })

  it('refreshes in the background with a conditional request, and the 304 makes the stored response fresh', async () => {
    const env = cachingEnv()
    const { url, path } = resource('swr-304', { h: 'Cache-Control: max-age=60, stale-while-revalidate=600', full: STALE_ON_ARRIVAL, etag: '"s1"', nm: 'X-Refreshed: yes' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toContain('detail=stale-while-revalidate')
    const fresh = await fetchThrough(url, env)
    expect(fresh.cacheStatus).toMatch(/^Portico; hit; ttl=(60|59)$/)
    expect(fresh.headers.get('x-refreshed')).toBe('yes')
    expect((await originSaw(path)).requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"s1"'])
  })

  it('does not serve stale past stale-while-revalidate', async () => {
    const env = cachingEnv()
    const { url, path } = resource('swr-past', { h: 'Cache-Control: max-age=60, stale-while-revalidate=10', full: STALE_ON_ARRIVAL })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).not.toContain('stale-while-revalidate')
    expect((await originSaw(path)).count).toBe(2)
  })

  it('serves stale within stale-if-error when the origin answers 5xx', async () => {
    const env = cachingEnv()
    const { url } = resource('sie', { h: 'Cache-Control: max-age=60, stale-if-error=600', full: STALE_ON_ARRIVAL, failFrom: '2', body: 'good body' })
    await fetchThrough(url, env)
    const res = await fetchThrough(url, env)
    expect(res.status).toBe(200)
    expect(res.body).toBe('good body')
    expect(res.cacheStatus).toMatch(/^Portico; hit; fwd=stale; fwd-status=503; ttl=-4[01]; detail=stale-if-error$/)
  })

  it('passes the 5xx on without stale-if-error', async () => {
    const env = cachingEnv()
    const { url } = resource('no-sie', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL, failFrom: '2' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).status).toBe(503)
  })

  it('serves stale when every upstream is down, within the route staleIfErrorSeconds', async () => {
    const cache = { staleIfErrorSeconds: 600 }
    const { url } = resource('all-down', { h: 'Cache-Control: max-age=60', full: STALE_ON_ARRIVAL, body: 'kept body' })
    await fetchThrough(url, cachingEnv(cache))
    // The same route, its only upstream now gone.
    const down = withConfig({ routes: [{ upstream: DEAD, cache }] })
    const res = await fetchThrough(url, down)
    expect(res.status).toBe(200)
    expect(res.body).toBe('kept body')
    expect(res.cacheStatus).toMatch(/^Portico; hit; fwd=stale; fwd-status=502; .*detail=stale-if-error$/)
    const noAllowance = withConfig({ routes: [{ upstream: DEAD, cache: {} }] })
    expect((await fetchThrough(url, noAllowance)).status).toBe(502)
    const tooOld = withConfig({ routes: [{ upstream: DEAD, cache: { staleIfErrorSeconds: 30 } }] })
    expect((await fetchThrough(url, tooOld)).status).toBe(502)
  })
})

describe('invalidation by unsafe methods (RFC 9111 section 4.4)', () => {
  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('invalidates the target URI after a successful %s', async (method) => {
    const env = cachingEnv()
    const { url, path } = resource(`invalidate-${method}`, { h: 'Cache-Control: max-age=600' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/; hit; /)
    const unsafe = await fetchThrough(url, env, { method, body: 'x' })
    expect(unsafe.cacheStatus).toBe('Portico; fwd=method; fwd-status=200')
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await originSaw(path)).requests.map((r) => r.method)).toEqual(['GET', method, 'GET'])
  })

  it('does not invalidate after a failed POST', async () => {
    const env = cachingEnv()
    const { url } = resource('invalidate-failed', { h: 'Cache-Control: max-age=600', failFrom: '2', failStatus: '500' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env, { method: 'POST', body: 'x' })).status).toBe(500)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/; hit; /)
  })

  it('invalidates same-origin Location and Content-Location, and nothing on another host', async () => {
    const env = cachingEnv()
    const target = resource('location-target', { h: 'Cache-Control: max-age=600' })
    const described = resource('content-location-target', { h: 'Cache-Control: max-age=600' })
    const foreign = resource('foreign-target', { h: 'Cache-Control: max-age=600' })
    const foreignUrl = foreign.url.replace('www.example.com', 'api.example.com')
    for (const u of [target.url, described.url, foreignUrl]) await fetchThrough(u, env)
    // The origin names its own URL: Portico rewrites it to the public one.
    const pathAndQuery = (u: string) => u.slice('https://www.example.com'.length)
    const post = resource('poster', { h: [`Location: {origin}${pathAndQuery(target.url)}`, `Content-Location: ${pathAndQuery(described.url)}`] })
    await fetchThrough(post.url, env, { method: 'POST', body: 'new' })
    expect((await fetchThrough(target.url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await fetchThrough(described.url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    const otherHost = resource('poster-foreign', { h: `Location: ${foreignUrl}` })
    await fetchThrough(otherHost.url, env, { method: 'POST', body: 'new' })
    expect((await fetchThrough(foreignUrl, env)).cacheStatus).toMatch(/; hit; /)
  })

  it('invalidates every variant of a resource that varies', async () => {
    const env = cachingEnv()
    const { url } = resource('invalidate-vary', { h: ['Cache-Control: max-age=600', 'Vary: X-Lang'] })
    await fetchThrough(url, env, { headers: { 'x-lang': 'en' } })
    await fetchThrough(url, env, { headers: { 'x-lang': 'de' } })
    await fetchThrough(url, env, { method: 'DELETE' })
    expect((await fetchThrough(url, env, { headers: { 'x-lang': 'en' } })).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await fetchThrough(url, env, { headers: { 'x-lang': 'de' } })).cacheStatus).toMatch(/fwd=(uri|vary)-miss/)
  })
})

describe('a response through a pool of upstreams', () => {
  it('is stored under the public URL, whichever upstream answered', async () => {
    const env = withConfig({ pools: { two: { upstreams: [ORIGIN_URL, ORIGIN_URL.replace('127.0.0.1', 'localhost')], algorithm: 'round-robin' } }, routes: [{ pool: 'two', cache: {} }] })
    const { url, path } = resource('pooled', { h: 'Cache-Control: max-age=600' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/; hit; /)
    expect((await originSaw(path)).count).toBe(1)
  })
})
