// Which route serves a request, end to end: by host (exact and wildcard), by path prefix on whole
// segments, by pattern with parameters, by header; routes that redirect or answer themselves; a
// request no route serves; and a configuration with mistakes, which answers every request with
// the full list of them rather than half-working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './client.ts'
import { config, echoOf, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

let api: RunningOrigin
let wild: RunningOrigin
let web: RunningOrigin
let canary: RunningOrigin
let portico: RunningPortico
let invalid: RunningPortico
let crossInvalid: RunningPortico

beforeAll(async () => {
  ;[api, wild, web, canary] = await Promise.all([startOrigin('api'), startOrigin('wild'), startOrigin('web'), startOrigin('canary')])
  ;[portico, invalid, crossInvalid] = await Promise.all([
    startPortico(
      config({
        pools: { web: { upstreams: [web.url] } },
        routes: [
          { name: 'api', match: { host: 'api.example.test' }, upstream: api.url },
          { name: 'canary', match: { host: 'www.example.test', headers: { 'X-Canary': 'on' } }, upstream: canary.url },
          { name: 'wild', match: { host: '*.example.test' }, upstream: wild.url },
          { name: 'shop', match: { host: 'example.test', path: '/shop' }, rewrite: { replacePrefix: '/echo/shop' }, pool: 'web' },
          { name: 'users', match: { host: 'example.test', pattern: '/users/:id/posts/:post' }, rewrite: { path: '/echo/u/{id}/p/{post}' }, pool: 'web' },
          { name: 'old', match: { host: 'example.test', pattern: '/old/:slug' }, redirect: { to: 'https://{host}/new/{slug}{query}', status: 301 } },
          { name: 'moved', match: { host: 'example.test', path: '/blog' }, redirect: { to: 'https://blog.example.org{path}' } },
          {
            name: 'robots',
            match: { host: 'example.test', path: '/robots.txt' },
            respond: { status: 200, body: 'User-agent: *\nDisallow: /private\n', headers: { 'Cache-Control': 'max-age=3600' } },
          },
          { name: 'maintenance', match: { host: 'example.test', path: '/maintenance' }, respond: { status: 503, body: '<h1>Back soon</h1>', contentType: 'text/html' } },
          { name: 'home', match: { host: 'example.test', path: '/echo' }, pool: 'web' },
        ],
      }),
    ),
    startPortico(
      config({
        routes: [
          { upstream: 'ftp://files.example.test' },
          { match: { path: 'no-slash' }, upstream: web.url, timeouts: { firstByteMs: -5 } },
          { upstream: web.url, typo: true },
        ],
        forwarding: { via: 'has spaces' },
      }),
    ),
    startPortico(
      config({
        pools: { web: { upstreams: [web.url] } },
        routes: [
          { pool: 'api' },
          { match: { pattern: '/items/:id' }, redirect: { to: '/things/{itemId}' } },
        ],
      }),
    ),
  ])
})
afterAll(async () => {
  await Promise.all([portico?.close(), invalid?.close(), crossInvalid?.close()])
  await Promise.all([api, wild, web, canary].map((o) => o?.close()))
})

/** GET `path` with the given Host (and other headers). */
const at = (host: string, path: string, headers: Record<string, string> = {}) => send(portico.at(path), { headers: { host, ...headers } })

/** Which demo origin answered an /echo request. */
const servedBy = async (host: string, path = '/echo', headers: Record<string, string> = {}) => {
  const res = await at(host, path, headers)
  expect(res.status).toBe(200)
  return echoOf(res.body).origin
}

describe('by host', () => {
  it('sends an exact host to its route', async () => {
    expect(await servedBy('api.example.test')).toBe('api')
  })

  it('matches hosts case-insensitively and without the port', async () => {
    expect(await servedBy('API.Example.Test:8080')).toBe('api')
  })

  it('sends any subdomain, one label or more, to a wildcard route', async () => {
    expect(await servedBy('shop.example.test')).toBe('wild')
    expect(await servedBy('a.b.example.test')).toBe('wild')
  })

  it('does not let a wildcard serve the bare domain', async () => {
    const res = await at('example.test', '/wild-only')
    expect(res.status).toBe(404)
  })

  it('answers 404 problem+json for a host no route serves', async () => {
    const res = await at('elsewhere.test', '/echo')
    expect(res.status).toBe(404)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 404, type: 'urn:portico:no-route' })
  })
})

describe('by header', () => {
  it('sends a request with the matching header to its route', async () => {
    expect(await servedBy('www.example.test', '/echo', { 'X-Canary': 'on' })).toBe('canary')
  })

  it('passes over the route when the header is missing or has another value', async () => {
    expect(await servedBy('www.example.test')).toBe('wild')
    expect(await servedBy('www.example.test', '/echo', { 'X-Canary': 'off' })).toBe('wild')
  })
})

describe('by path', () => {
  it('serves a prefix and everything below it', async () => {
    const exact = await at('example.test', '/shop')
    expect(echoOf(exact.body).url).toBe('/echo/shop')
    const below = await at('example.test', '/shop/cart/3?view=full')
    expect(echoOf(below.body).url).toBe('/echo/shop/cart/3?view=full')
  })

  it('matches a prefix on whole segments only', async () => {
    const res = await at('example.test', '/shopping')
    expect(res.status).toBe(404)
  })

  it('fills a pattern’s parameters into the rewritten path', async () => {
    const res = await at('example.test', '/users/42/posts/7?draft=1')
    expect(res.status).toBe(200)
    expect(echoOf(res.body)).toMatchObject({ origin: 'web', url: '/echo/u/42/p/7?draft=1' })
  })

  it('does not serve a path the pattern does not fit', async () => {
    const res = await at('example.test', '/users/42')
    expect(res.status).toBe(404)
  })
})

describe('redirect and respond routes', () => {
  it('redirects with the pattern’s parameters, the host and the query filled in', async () => {
    const before = web.seen.length
    const res = await at('example.test', '/old/hello-world?ref=mail')
    expect(res.status).toBe(301)
    expect(res.headers.location).toBe('https://example.test/new/hello-world?ref=mail')
    expect(web.seen.length).toBe(before)
  })

  it('redirects with the default 302 and the whole path', async () => {
    const res = await at('example.test', '/blog/2026/post')
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe('https://blog.example.org/blog/2026/post')
  })

  it('answers a fixed response with its body and headers', async () => {
    const res = await at('example.test', '/robots.txt')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(res.headers['cache-control']).toBe('max-age=3600')
    expect(res.body.toString()).toBe('User-agent: *\nDisallow: /private\n')
  })

  it('answers a fixed response with its own status and content type', async () => {
    const res = await at('example.test', '/maintenance')
    expect(res.status).toBe(503)
    expect(res.headers['content-type']).toBe('text/html')
    expect(res.body.toString()).toBe('<h1>Back soon</h1>')
  })

  it('answers HEAD on a fixed response without a body', async () => {
    const res = await send(portico.at('/robots.txt'), { method: 'HEAD', headers: { host: 'example.test' } })
    expect(res.status).toBe(200)
    expect(res.body.length).toBe(0)
  })
})

describe('an invalid configuration', () => {
  it('answers every request with 500 problem+json listing each bad field', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['POST', '/api/orders'],
      ['DELETE', '/anything/else'],
    ] as const) {
      const res = await send(invalid.at(path), { method, body: method === 'POST' ? '{}' : undefined })
      expect(res.status).toBe(500)
      expect(res.headers['content-type']).toBe('application/problem+json')
      const body = JSON.parse(res.body.toString()) as { type: string; errors: Array<{ path: string; message: string }> }
      expect(body.type).toBe('urn:portico:config-invalid')
      const paths = body.errors.map((e) => e.path)
      for (const bad of ['routes[0].upstream', 'routes[1].match.path', 'routes[1].timeouts.firstByteMs', 'routes[2].typo', 'forwarding.via']) {
        expect(paths).toContain(bad)
      }
      for (const e of body.errors) expect(e.message.length).toBeGreaterThan(0)
    }
  })

  it('never forwards a request while the configuration is invalid', async () => {
    const before = web.seen.length
    await send(invalid.at('/echo'))
    expect(web.seen.length).toBe(before)
  })

  it('lists the bad fields on an HTML page for a browser', async () => {
    const res = await send(invalid.at('/'), { headers: { accept: BROWSER_ACCEPT } })
    expect(res.status).toBe(500)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    const html = res.body.toString()
    expect(html).toContain('routes[0].upstream')
    expect(html).toContain('forwarding.via')
  })

  it('lists every cross-field mistake too: an unknown pool and an unknown placeholder', async () => {
    const res = await send(crossInvalid.at('/items/1'))
    expect(res.status).toBe(500)
    const body = JSON.parse(res.body.toString()) as { errors: Array<{ path: string; message: string }> }
    expect(body.errors.map((e) => e.path).sort()).toEqual(['routes[0].pool', 'routes[1].redirect.to'])
    expect(body.errors.find((e) => e.path === 'routes[0].pool')?.message).toContain("'api'")
    expect(body.errors.find((e) => e.path === 'routes[1].redirect.to')?.message).toContain('{itemId}')
  })
})
