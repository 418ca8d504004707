import { describe, expect, it } from 'vitest'
import { RouteTable, patternError, routerPattern, routingHost, type RouteMatch } from './match.ts'

const table = (...matches: RouteMatch[]) => new RouteTable(matches.map((match, index) => ({ index, match })))
const req = (host: string, path: string, method = 'GET', headers: Record<string, string> = {}) => ({ host, path, method, headers: new Headers(headers) })

/** The index of the route that serves the request, 'none', or '405 <allow>'. */
function served(t: RouteTable<{ index: number; match: RouteMatch }>, host: string, path: string, method = 'GET', headers: Record<string, string> = {}): number | string {
  const out = t.match(req(host, path, method, headers))
  if (out.kind === 'route') return out.route.index
  if (out.kind === 'method-not-allowed') return `405 ${[...out.allow].sort().join(',')}`
  return 'none'
}

describe('RouteTable: order', () => {
  it('takes the first route in config order that fits', () => {
    const t = table({ path: '/api' }, { path: '/' })
    expect(t.match(req('a.com', '/api/x'))).toMatchObject({ kind: 'route', route: { index: 0 } })
    expect(t.match(req('a.com', '/apix'))).toMatchObject({ kind: 'route', route: { index: 1 } })
  })

  it('keeps config order across host buckets: a host-less route listed first beats an exact-host route listed later', () => {
    const t = table(
      { path: '/health' }, // 0: host-less, first
      { hosts: ['api.example.com'] }, // 1: exact
      { hosts: ['*.example.com'] }, // 2: wildcard
      {}, // 3: catch-all
    )
    const cases: Array<[string, string, number | string]> = [
      ['api.example.com', '/health', 0],
      ['api.example.com', '/users', 1],
      ['www.example.com', '/health', 0],
      ['www.example.com', '/users', 2],
      ['other.org', '/users', 3],
    ]
    for (const [host, path, want] of cases) expect(served(t, host, path), `${host}${path}`).toBe(want)
  })

  it('serves every request from a catch-all listed first, unless its method or header conditions do not fit', () => {
    const plain = table({}, { path: '/api' })
    expect(plain.match(req('a.com', '/api/x', 'DELETE'))).toEqual({ kind: 'route', route: { index: 0, match: {} }, params: {} })
    const guarded = table({ path: '/', methods: new Set(['GET']), headers: [['x-canary', ['1']]] }, { path: '/api', methods: new Set(['POST']) }, {})
    expect(served(guarded, 'a.com', '/api/x', 'GET', { 'x-canary': '1' })).toBe(0)
    expect(served(guarded, 'a.com', '/api/x', 'HEAD', { 'x-canary': '1' })).toBe(0)
    expect(served(guarded, 'a.com', '/api/x', 'GET')).toBe(2)
    expect(served(guarded, 'a.com', '/api/x', 'POST', { 'x-canary': '1' })).toBe(1)
    expect(served(table({ methods: new Set(['GET']) }), 'a.com', '/x', 'PUT')).toBe('405 GET,HEAD')
  })

  it('lets a wildcard route listed before an exact one win for that exact host', () => {
    const t = table({ hosts: ['*.example.com'] }, { hosts: ['api.example.com'] })
    expect(served(t, 'api.example.com', '/')).toBe(0)
  })

  it('answers none when nothing fits', () => {
    const t = table({ hosts: ['a.com'], path: '/x' })
    expect(t.match(req('a.com', '/y'))).toEqual({ kind: 'none' })
    expect(t.match(req('b.com', '/x'))).toEqual({ kind: 'none' })
  })
})

describe('RouteTable: hosts', () => {
  const t = table({ hosts: ['*.example.com'] }, { hosts: ['example.com'] }, { hosts: ['*.com'] })
  it.each([
    ['a.example.com', 0],
    ['a.b.example.com', 0],
    ['example.com', 1], // the wildcard does not cover the bare domain
    ['notexample.com', 2], // "*.example.com" is a label boundary, not a string suffix
    ['example.org', 'none'],
  ] as const)('routes host %s to %s', (host, want) => {
    expect(served(t, host, '/')).toBe(want)
  })

  it('does not let a wildcard match the bare domain', () => {
    expect(served(table({ hosts: ['*.example.com'] }), 'example.com', '/')).toBe('none')
  })

  it('serves any host from a route without hosts', () => {
    const any = table({ path: '/' })
    for (const host of ['a.com', 'localhost', '127.0.0.1', 'x.y.z.example']) expect(served(any, host, '/x')).toBe(0)
  })

  it('returns a route listed under two matching host names once, not twice', () => {
    // a.b.example.com fits both "*.example.com" and "*.b.example.com" (and the exact name).
    const t2 = table({ hosts: ['*.example.com', '*.b.example.com', 'a.b.example.com'], methods: new Set(['GET']) }, { hosts: ['a.b.example.com'], methods: new Set(['PUT']) })
    expect(served(t2, 'a.b.example.com', '/')).toBe(0)
    const out = t2.match(req('a.b.example.com', '/', 'DELETE'))
    expect(out).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'PUT'] })
  })
})

describe('RouteTable: path prefixes', () => {
  const t = table({ path: '/api' }, { path: '/' })
  it.each([
    ['/api', 0],
    ['/api/', 0],
    ['/api/x', 0],
    ['/api/x/y', 0],
    ['/apix', 1],
    ['/ap', 1],
    ['/', 1],
    ['/other/api', 1],
  ] as const)('matches prefix /api on whole segments: %s → route %s', (path, want) => {
    expect(served(t, 'h', path)).toBe(want)
  })

  it('matches a prefix with ":" inside a segment, dots and braces literally', () => {
    const t = table({ path: '/v1:batch/a.b/{x}' })
    expect(served(t, 'h', '/v1:batch/a.b/{x}')).toBe(0)
    expect(served(t, 'h', '/v1:batch/a.b/{x}/y')).toBe(0)
    expect(served(t, 'h', '/v1:batch/axb/{x}')).toBe('none')
    expect(served(t, 'h', '/v1:batch/a.b/y')).toBe('none')
  })

  it('treats a route with no path as a catch-all', () => {
    expect(served(table({}), 'h', '/anything/at/all')).toBe(0)
  })

  it('matches a nested prefix only under it', () => {
    const nested = table({ path: '/api/v2' }, { path: '/api' })
    expect(served(nested, 'h', '/api/v2/users')).toBe(0)
    expect(served(nested, 'h', '/api/v2')).toBe(0)
    expect(served(nested, 'h', '/api/v20')).toBe(1)
    expect(served(nested, 'h', '/api/v1')).toBe(1)
  })
})

describe('RouteTable: patterns', () => {
  it('extracts named parameters', () => {
    const t = table({ pattern: '/users/:id/posts/:post' })
    expect(t.match(req('h', '/users/42/posts/7'))).toMatchObject({ kind: 'route', params: { id: '42', post: '7' } })
    expect(t.match(req('h', '/users/42'))).toEqual({ kind: 'none' })
  })

  it('honours a regular-expression parameter', () => {
    const t = table({ pattern: '/users/:id{[0-9]+}' }, { pattern: '/users/:name' })
    expect(t.match(req('h', '/users/42'))).toMatchObject({ kind: 'route', route: { index: 0 }, params: { id: '42' } })
    expect(t.match(req('h', '/users/bob'))).toMatchObject({ kind: 'route', route: { index: 1 }, params: { name: 'bob' } })
  })

  it('matches a regular-expression parameter that spans segments', () => {
    const t = table({ pattern: '/files/:name{.+\\.png}' })
    expect(t.match(req('h', '/files/a/b/c.png'))).toMatchObject({ kind: 'route', params: { name: 'a/b/c.png' } })
    expect(t.match(req('h', '/files/a/b/c.jpg'))).toEqual({ kind: 'none' })
  })

  it('matches a wildcard pattern', () => {
    const t = table({ pattern: '/docs/*' })
    expect(served(t, 'h', '/docs/a/b')).toBe(0)
    expect(served(t, 'h', '/doc')).toBe('none')
  })

  it('gives each route its own parameters when several patterns fit', () => {
    const t = table({ pattern: '/a/:x', methods: new Set(['POST']) }, { pattern: '/:y/b' })
    expect(t.match(req('h', '/a/b'))).toMatchObject({ kind: 'route', route: { index: 1 }, params: { y: 'a' } })
  })
})

describe('RouteTable: methods', () => {
  it('answers method-not-allowed with the union of the methods of every route that fits the path', () => {
    const t = table({ path: '/api', methods: new Set(['GET', 'HEAD']) }, { path: '/api', methods: new Set(['POST']) }, { path: '/other' })
    expect(t.match(req('h', '/api/x', 'DELETE'))).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'POST'] })
    expect(served(t, 'h', '/api/x', 'POST')).toBe(1)
    expect(served(t, 'h', '/api/x', 'HEAD')).toBe(0)
  })

  // RFC 9110 section 9.3.2: HEAD is GET without the body, and section 9.1: a server that supports
  // GET supports HEAD. nginx's limit_except GET allows HEAD the same way.
  it('serves HEAD from a route that accepts GET, and lists HEAD in Allow', () => {
    const t = table({ path: '/api', methods: new Set(['GET']) }, { path: '/api', methods: new Set(['POST']) })
    expect(served(t, 'h', '/api/x', 'HEAD')).toBe(0)
    expect(t.match(req('h', '/api/x', 'DELETE'))).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'POST'] })
  })

  it('does not serve GET from a route that accepts only HEAD', () => {
    expect(served(table({ methods: new Set(['HEAD']) }), 'h', '/', 'GET')).toBe('405 HEAD')
  })

  it('falls through to a later route that accepts the method', () => {
    const t = table({ path: '/api', methods: new Set(['GET']) }, { path: '/' })
    expect(served(t, 'h', '/api/x', 'POST')).toBe(1)
  })

  it('answers none, not method-not-allowed, when no route fits the path', () => {
    const t = table({ path: '/api', methods: new Set(['GET']) })
    expect(served(t, 'h', '/other', 'POST')).toBe('none')
  })

  it('does not offer the methods of a route whose headers do not fit', () => {
    const t = table({ path: '/', methods: new Set(['PUT']), headers: [['x-admin', ['1']]] }, { path: '/', methods: new Set(['GET']) })
    expect(served(t, 'h', '/', 'DELETE')).toBe('405 GET,HEAD')
  })
})

describe('RouteTable: headers', () => {
  const t = table(
    { headers: [['x-version', ['2']]] }, // 0: exact
    { headers: [['x-version', ['3', '4']]] }, // 1: list
    { headers: [['x-canary', ['*']]] }, // 2: present with any value
    { headers: [['x-a', ['1']], ['x-b', ['*']]] }, // 3: all must fit
    {}, // 4
  )
  it.each([
    [{ 'x-version': '2' }, 0],
    [{ 'x-version': '3' }, 1],
    [{ 'x-version': '4' }, 1],
    [{ 'x-version': '5' }, 4],
    [{ 'x-canary': '' }, 2],
    [{ 'x-canary': 'yes' }, 2],
    [{ 'x-a': '1' }, 4],
    [{ 'x-a': '1', 'x-b': 'z' }, 3],
    [{ 'X-Version': '2' }, 0], // header names are case-insensitive
    [{}, 4],
  ] as const)('routes headers %j to route %s', (headers, want) => {
    expect(served(t, 'h', '/', 'GET', headers)).toBe(want)
  })

  it('compares header values whole, not by prefix', () => {
    expect(served(t, 'h', '/', 'GET', { 'x-version': '2x' })).toBe(4)
    expect(served(t, 'h', '/', 'GET', { 'x-version': '2, 3' })).toBe(4)
  })
})

describe('RouteTable: size', () => {
  it('still picks the right route among 10,000 routes on distinct hosts', () => {
    const routes = Array.from({ length: 10_000 }, (_, i) => ({ hosts: [`h${i}.example.com`], path: `/p${i % 7}` }))
    const t = table(...routes, {})
    for (const i of [0, 1, 4999, 9998, 9999]) {
      expect(served(t, `h${i}.example.com`, `/p${i % 7}/x`)).toBe(i)
      expect(served(t, `h${i}.example.com`, `/p${(i + 1) % 7}/x`)).toBe(10_000)
    }
    expect(served(t, 'h10000.example.com', '/p0')).toBe(10_000)
  })

  it('still picks the right route among 10,000 distinct prefixes on one host', () => {
    const routes: RouteMatch[] = Array.from({ length: 10_000 }, (_, i) => ({ path: `/svc${i}` }))
    const t = table(...routes)
    for (const i of [0, 1, 10, 100, 1000, 5432, 9999]) {
      expect(served(t, 'h', `/svc${i}`)).toBe(i)
      expect(served(t, 'h', `/svc${i}/deeper/path`)).toBe(i)
    }
    expect(served(t, 'h', '/svc10000')).toBe('none')
    expect(served(t, 'h', '/svc')).toBe('none')
  })
})

describe('routerPattern', () => {
  it.each([
    [{}, '/*'],
    [{ path: '/' }, '/*'],
    [{ path: '/api' }, '/api/*'],
    [{ pattern: '/u/:id' }, '/u/:id'],
  ] as const)('compiles %j to %s', (match, want) => {
    expect(routerPattern(match)).toBe(want)
  })
})

describe('patternError', () => {
  it('accepts patterns Hono can compile', () => {
    expect(patternError('/users/:id{[0-9]+}')).toBeUndefined()
    expect(patternError('/docs/*')).toBeUndefined()
  })
  it('explains a pattern Hono cannot compile', () => {
    expect(patternError('/users/:id{[0-9+}')).toMatch(/cannot be compiled/)
  })
})

describe('routingHost', () => {
  it.each([
    ['https://WWW.Example.COM/x', 'www.example.com'],
    ['https://example.com:8443/', 'example.com'],
    ['https://example.com./', 'example.com'],
    ['http://127.0.0.1:8787/', '127.0.0.1'],
  ])('routes %s by host %s', (url, want) => {
    expect(routingHost(new URL(url))).toBe(want)
  })
})
