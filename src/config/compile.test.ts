import { describe, expect, it } from 'vitest'
import { compileConfig, DEFAULT_FIRST_BYTE_MS, type BindingLookup, type CompiledConfig, type CompileResult, type ConfigError, type RouteAction } from './compile.ts'

/** Bindings as a Worker would have them: some secrets/vars, some service bindings. */
const bindings = (texts: Record<string, string> = {}, services: string[] = [], offline = false): BindingLookup => ({
  text: (name) => texts[name],
  hasService: (name) => services.includes(name),
  offline,
})

function errorsOf(raw: unknown, b: BindingLookup = bindings()): ConfigError[] {
  const result = compileConfig(raw, b)
  if (result.ok) throw new Error(`expected the config to be rejected; it compiled with ${result.config.routes.length} routes`)
  return result.errors
}

function compiled(raw: unknown, b: BindingLookup = bindings()): CompiledConfig {
  const result: CompileResult = compileConfig(raw, b)
  if (!result.ok) throw new Error(`expected the config to compile; errors: ${JSON.stringify(result.errors)}`)
  return result.config
}

function proxyAction(config: CompiledConfig, index = 0): Extract<RouteAction, { kind: 'proxy' }> {
  const action = config.routes[index]?.action
  if (action?.kind !== 'proxy') throw new Error(`route ${index} does not proxy`)
  return action
}

const U = 'https://origin.example.com'

describe('compileConfig: what a user gets told', () => {
  it.each<[string, unknown, ConfigError]>([
    [
      'a misspelt route field',
      { routes: [{ upstrem: U }] },
      { path: 'routes[0].upstrem', message: expect.stringMatching(/^unknown field 'upstrem'; check its spelling/) as unknown as string },
    ],
    [
      'a misspelt top-level field',
      { routes: [{ upstream: U }], default: {} },
      { path: 'default', message: expect.stringMatching(/^unknown field 'default'/) as unknown as string },
    ],
    [
      'an upstream that is not a URL',
      { routes: [{ upstream: 'origin.example.com' }] },
      { path: 'routes[0].upstream', message: expect.stringMatching(/must be an absolute URL .*; got "origin\.example\.com"/) as unknown as string },
    ],
    [
      'an upstream with another scheme',
      { routes: [{ upstream: 'ftp://origin.example.com' }] },
      { path: 'routes[0].upstream', message: 'must start with http:// or https://; got "ftp://origin.example.com"' },
    ],
    [
      'an upstream with a query',
      { routes: [{ upstream: 'https://origin.example.com/?a=1' }] },
      { path: 'routes[0].upstream', message: expect.stringMatching(/^must not contain a query or fragment/) as unknown as string },
    ],
    [
      'a bad URL inside a pool upstream object',
      { pools: { web: { upstreams: [U, { url: 'nope', weight: 2 }] } }, routes: [{ pool: 'web' }] },
      { path: 'pools.web.upstreams[1].url', message: expect.stringMatching(/must be an absolute URL/) as unknown as string },
    ],
    [
      'a negative timeout',
      { routes: [{ upstream: U, timeouts: { firstByteMs: -5 } }] },
      { path: 'routes[0].timeouts.firstByteMs', message: 'must be > 0 milliseconds; got -5' },
    ],
    [
      'a negative default timeout',
      { defaults: { timeouts: { totalMs: -1 } }, routes: [{ upstream: U }] },
      { path: 'defaults.timeouts.totalMs', message: 'must be > 0 milliseconds; got -1' },
    ],
    ['an empty route list', { routes: [] }, { path: 'routes', message: 'must list at least one route; got a list of 0' }],
    ['no routes at all', { pools: {} }, { path: 'routes', message: 'is required; it is missing' }],
    ['a missing redirect target', { routes: [{ redirect: {} }] }, { path: 'routes[0].redirect.to', message: 'is required; it is missing' }],
    [
      'a match given as a string',
      { routes: [{ match: '/api', upstream: U }] },
      { path: 'routes[0].match', message: 'must be an object (a TOML table); got "/api"' },
    ],
    [
      'a respond status out of range',
      { routes: [{ respond: { status: 700 } }] },
      { path: 'routes[0].respond.status', message: 'must be 200-599; got 700' },
    ],
    [
      'a redirect status that is not a redirect',
      { routes: [{ redirect: { to: '/x', status: 200 } }] },
      { path: 'routes[0].redirect.status', message: 'must be one of 301, 302, 303, 307, 308; got 200' },
    ],
  ])('names the field and the fix for %s', (_what, raw, want) => {
    expect(errorsOf(raw)).toContainEqual(want)
  })

  it.each<[string, unknown, string, RegExp]>([
    ['an unknown pool, listing the defined ones', { pools: { web: { upstreams: [U] }, static: { upstreams: [U] } }, routes: [{ pool: 'api' }] }, 'routes[0].pool', /^unknown pool 'api'; defined: web, static$/],
    ['an unknown pool when none are defined', { routes: [{ pool: 'api' }] }, 'routes[0].pool', /^unknown pool 'api'; no pools are defined under "pools"$/],
    ['two actions on one route', { routes: [{ upstream: U, redirect: { to: '/x' } }] }, 'routes[0]', /^sets upstream and redirect; keep exactly one of pool, upstream, redirect or respond$/],
    ['no action on a route', { routes: [{ match: { path: '/x' } }] }, 'routes[0]', /^needs one of pool, upstream, redirect or respond$/],
    ['stripPrefix without match.path', { routes: [{ upstream: U, rewrite: { stripPrefix: true } }] }, 'routes[0].rewrite', /need match\.path/],
    ['replacePrefix with a pattern instead of a path', { routes: [{ upstream: U, match: { pattern: '/u/:id' }, rewrite: { replacePrefix: '/v2' } }] }, 'routes[0].rewrite', /need match\.path/],
    ['a rewrite on a redirect route', { routes: [{ match: { path: '/a' }, redirect: { to: '/b' }, rewrite: { stripPrefix: true } }] }, 'routes[0].rewrite', /only applies to routes that forward/],
    ['two rewrites at once', { routes: [{ upstream: U, match: { path: '/a' }, rewrite: { stripPrefix: true, replacePrefix: '/b' } }] }, 'routes[0].rewrite', /^sets stripPrefix and replacePrefix; keep one$/],
    [
      'an unknown placeholder in a redirect',
      { routes: [{ match: { pattern: '/u/:name' }, redirect: { to: '/users/{nmae}' } }] },
      'routes[0].redirect.to',
      /^unknown placeholder \{nmae\}; available: \{host\}, \{path\}, \{query\}, \{name\}$/,
    ],
    ['an unknown placeholder in a rewrite path', { routes: [{ upstream: U, match: { pattern: '/u/:id' }, rewrite: { path: '/v2/{user}' } }] }, 'routes[0].rewrite.path', /^unknown placeholder \{user\}/],
    ['a host with a scheme', { routes: [{ upstream: U, match: { host: 'https://a.example.com' } }] }, 'routes[0].match.host', /^'https:\/\/a\.example\.com' is not a host name; use "example\.com" or "\*\.example\.com"/],
    ['a wildcard in the middle of a host in a list', { routes: [{ upstream: U, match: { host: ['a.example.com', 'a.*.com'] } }] }, 'routes[0].match.host[1]', /^'a\.\*\.com' is not a host name/],
    ['a host with a port', { routes: [{ upstream: U, match: { host: 'a.example.com:8443' } }] }, 'routes[0].match.host', /is not a host name/],
    ['a pattern Hono cannot compile', { routes: [{ upstream: U, match: { pattern: '/u/:id{[0-9+}' } }] }, 'routes[0].match.pattern', /cannot be compiled/],
    // A glob in a prefix compiled to a route that matched nothing at all, and ":name" became a parameter.
    ['a glob in a path prefix', { routes: [{ upstream: U, match: { path: '/api/*' } }] }, 'routes[0].match.path', /^'\/api\/\*' is a prefix, not a pattern: "\/api" already covers \/api\/x; use match\.pattern for "\*" and ":name"$/],
    ['a glob glued to a path prefix', { routes: [{ upstream: U, match: { path: '/static*' } }] }, 'routes[0].match.path', /^'\/static\*' is a prefix, not a pattern: "\/static" already covers \/static\/x/],
    ['a parameter in a path prefix', { routes: [{ upstream: U, match: { path: '/docs/:version' } }] }, 'routes[0].match.path', /is a prefix, not a pattern/],
    ['both path and pattern', { routes: [{ upstream: U, match: { path: '/a', pattern: '/a/:b' } }] }, 'routes[0].match', /set path \(a prefix\) or pattern, not both/],
    ['an unbound service binding', { routes: [{ upstream: { service: 'API' } }] }, 'routes[0].upstream.service', /^service binding 'API' is not bound; add \[\[services\]\] binding = "API"/],
    ['an unbound service binding in a pool', { pools: { p: { upstreams: [{ service: 'API' }] } }, routes: [{ pool: 'p' }] }, 'pools.p.upstreams[0].service', /service binding 'API' is not bound/],
    ['an unbound secret in request headers', { routes: [{ upstream: U, requestHeaders: { set: { Authorization: { secret: 'API_KEY' } } } }] }, 'routes[0].requestHeaders.set.Authorization.secret', /^secret 'API_KEY' is not bound; run: npx wrangler secret put API_KEY$/],
    ['an unbound secret in a fixed response', { routes: [{ respond: { status: 200, headers: { 'X-Key': { secret: 'K' } } } }] }, 'routes[0].respond.headers.X-Key.secret', /secret 'K' is not bound/],
  ])('explains %s', (_what, raw, path, message) => {
    const errors = errorsOf(raw)
    expect(errors.map((e) => e.path)).toContain(path)
    expect(errors.find((e) => e.path === path)?.message).toMatch(message)
  })

  it('reports every schema problem at once, each with its own path', () => {
    const errors = errorsOf({
      routes: [{ upstrem: U }, { upstream: 'nope' }, { upstream: U, timeouts: { firstByteMs: 0 } }],
      forwarding: { via: 'has space' },
    })
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['routes[0].upstrem', 'routes[1].upstream', 'routes[2].timeouts.firstByteMs', 'forwarding.via']))
  })

  it('reports every cross-field problem at once, each with its own path', () => {
    const errors = errorsOf({
      pools: { web: { upstreams: [{ service: 'WEB' }] } },
      routes: [
        { pool: 'api' },
        { upstream: U, respond: { status: 200 } },
        { upstream: U, rewrite: { stripPrefix: true } },
        { match: { host: 'bad host' }, redirect: { to: '{nope}' } },
        { upstream: U, requestHeaders: { set: { 'X-Key': { secret: 'KEY' } } } },
      ],
    })
    expect(errors.map((e) => e.path).sort()).toEqual(
      ['pools.web.upstreams[0].service', 'routes[0].pool', 'routes[1]', 'routes[2].rewrite', 'routes[3].match.host', 'routes[3].redirect.to', 'routes[4].requestHeaders.set.X-Key.secret'].sort(),
    )
  })

  // Known gap: the schema is checked first and compile only runs on a valid schema, so a typo
  // hides an unknown pool until the typo is fixed (STYLE section 5 asks for every problem at once).
  it.skip('reports schema and cross-field problems together (bug: cross-field checks only run once the schema passes)', () => {
    const errors = errorsOf({ routes: [{ upstrem: U }, { pool: 'api' }] })
    expect(errors.map((e) => e.path)).toEqual(['routes[0].upstrem', 'routes[1].pool'])
  })
})

describe('compileConfig: bindings', () => {
  it('reads a secret from its binding', () => {
    const config = compiled({ routes: [{ upstream: U, requestHeaders: { set: { Authorization: { secret: 'API_KEY' } } } }] }, bindings({ API_KEY: 'Bearer s3cret' }))
    expect(proxyAction(config).requestHeaders.set).toEqual([['authorization', 'Bearer s3cret']])
  })

  it('turns an unbound secret into a warning when checking offline', () => {
    const result = compileConfig({ routes: [{ upstream: U, requestHeaders: { set: { Authorization: { secret: 'API_KEY' } } } }] }, bindings({}, [], true))
    expect(result.ok).toBe(true)
    expect(result.warnings).toEqual([{ path: 'routes[0].requestHeaders.set.Authorization.secret', message: expect.stringMatching(/secret 'API_KEY' is not bound/) as unknown as string }])
  })

  it('still rejects an unbound service binding when checking offline', () => {
    expect(compileConfig({ routes: [{ upstream: { service: 'API' } }] }, bindings({}, [], true)).ok).toBe(false)
  })

  it('accepts a bound service binding', () => {
    const config = compiled({ routes: [{ upstream: { service: 'API', weight: 3 } }] }, bindings({}, ['API']))
    expect(proxyAction(config).pool.upstreams).toEqual([{ id: 'route-0/0', key: 'service:API', kind: 'service', binding: 'API', weight: 3 }])
  })

  // A default's secret is written once, under defaults: that is where the user must look.
  it('reports an unbound secret in defaults once, at its place under defaults', () => {
    const errors = errorsOf({ defaults: { requestHeaders: { set: { 'X-Key': { secret: 'KEY' } } } }, routes: [{ upstream: U }, { upstream: U }] })
    expect(errors).toEqual([{ path: 'defaults.requestHeaders.set.X-Key.secret', message: expect.stringMatching(/secret 'KEY' is not bound/) as unknown as string }])
  })
})

describe('compileConfig: the compiled form', () => {
  it('turns ORIGIN-style config into one catch-all proxy route', () => {
    const config = compiled({ routes: [{ name: 'origin', upstream: 'http://127.0.0.1:8080/base/' }] })
    expect(config.routes[0]?.match).toEqual({})
    expect(proxyAction(config).pool.upstreams).toEqual([
      { id: 'origin/0', key: 'http://127.0.0.1:8080/base', kind: 'url', origin: 'http://127.0.0.1:8080', basePath: '/base', hostname: '127.0.0.1', host: '127.0.0.1:8080', weight: 1, mtlsBinding: undefined },
    ])
  })

  it('normalises hosts, paths and methods for matching', () => {
    const config = compiled({ routes: [{ upstream: U, match: { host: ['A.Example.COM.', '*.Example.org'], path: '/api/', methods: ['get', 'Post'], headers: { 'X-Ver': ['1', '2'], 'X-Any': '*' } } }] })
    const m = config.routes[0]?.match
    expect(m?.hosts).toEqual(['a.example.com', '*.example.org'])
    expect(m?.path).toBe('/api')
    expect([...(m?.methods ?? [])]).toEqual(['GET', 'POST'])
    expect(m?.headers).toEqual([
      ['x-ver', ['1', '2']],
      ['x-any', ['*']],
    ])
  })

  it('accepts a prefix with characters that are literal in paths', () => {
    expect(compiled({ routes: [{ upstream: U, match: { path: '/v1:batch/a.b/{x}' } }] }).routes[0]?.match.path).toBe('/v1:batch/a.b/{x}')
  })

  it('names routes by index unless named', () => {
    const config = compiled({ routes: [{ upstream: U }, { name: 'api', upstream: U }] })
    expect(config.routes.map((r) => r.name)).toEqual(['route-0', 'api'])
  })

  it('compiles prefix rewrites from match.path', () => {
    const config = compiled({
      routes: [
        { match: { path: '/api/' }, upstream: U, rewrite: { stripPrefix: true } },
        { match: { path: '/shop' }, upstream: U, rewrite: { replacePrefix: '/store/' } },
        { match: { pattern: '/u/:id' }, upstream: U, rewrite: { path: '/users/{id}' } },
        { match: { path: '/x' }, upstream: U, rewrite: { stripPrefix: false } },
      ],
    })
    expect(config.routes.map((r) => (r.action.kind === 'proxy' ? r.action.rewrite : undefined))).toEqual([
      { kind: 'prefix', from: '/api', to: '' },
      { kind: 'prefix', from: '/shop', to: '/store' },
      { kind: 'template', template: '/users/{id}' },
      { kind: 'none' },
    ])
  })

  it('compiles redirects and fixed responses with their defaults', () => {
    const config = compiled({ routes: [{ redirect: { to: 'https://{host}/new{path}{query}' } }, { respond: { status: 503, body: 'down', headers: { 'Retry-After': '60' } } }] })
    expect(config.routes[0]?.action).toEqual({ kind: 'redirect', to: 'https://{host}/new{path}{query}', status: 302 })
    expect(config.routes[1]?.action).toEqual({
      kind: 'respond',
      status: 503,
      body: 'down',
      headers: [
        ['content-type', 'text/plain; charset=utf-8'],
        ['Retry-After', '60'],
      ],
    })
  })

  it('resolves a named pool with weights', () => {
    const config = compiled({ pools: { web: { upstreams: [{ url: 'https://a.example.com', weight: 3 }, 'https://b.example.com'] } }, routes: [{ pool: 'web' }] })
    const pool = proxyAction(config).pool
    expect(pool.name).toBe('web')
    expect(pool.upstreams.map((u) => [u.id, u.weight])).toEqual([
      ['web/0', 3],
      ['web/1', 1],
    ])
    expect(config.pools.get('web')).toBe(pool)
  })

  it('applies the documented forwarding and request-id defaults', () => {
    const config = compiled({ routes: [{ upstream: U }] })
    expect(config.forwarding).toEqual({
      trustIncoming: false,
      via: 'portico',
      hiddenResponseHeaders: ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version'],
      allowTrace: false,
      strippedRequestHeaders: expect.arrayContaining(['x-original-url', 'x-http-method-override']),
    })
    expect(config.requestId).toEqual({ header: 'x-request-id', acceptIncoming: true })
    expect(proxyAction(config).timeouts).toEqual({ firstByteMs: DEFAULT_FIRST_BYTE_MS, totalMs: undefined })
    expect(proxyAction(config).host).toBe('origin')
  })

  it('adds configured hidden response headers to the defaults, lower-cased', () => {
    const config = compiled({ routes: [{ upstream: U }], forwarding: { hideResponseHeaders: ['X-Backend'], via: false, trustIncoming: true }, requestId: { header: 'X-Correlation-Id', acceptIncoming: false } })
    expect(config.forwarding.hiddenResponseHeaders).toContain('x-backend')
    expect(config.forwarding.via).toBe(false)
    expect(config.forwarding.trustIncoming).toBe(true)
    expect(config.requestId).toEqual({ header: 'x-correlation-id', acceptIncoming: false })
  })
})

describe('compileConfig: defaults', () => {
  const raw = () => ({
    defaults: {
      host: 'preserve',
      timeouts: { firstByteMs: 1000, totalMs: 9000 },
      requestHeaders: { set: { 'X-Env': 'prod', 'X-Team': 'web' }, remove: ['Cookie'] },
      responseHeaders: { set: { 'Strict-Transport-Security': 'max-age=600' } },
    },
    routes: [
      { upstream: U },
      {
        upstream: U,
        host: 'api.internal',
        timeouts: { totalMs: 5000 },
        requestHeaders: { set: { 'x-team': 'api', 'Cookie': 'a=1' }, remove: ['X-Env'] },
        responseHeaders: { set: { 'Strict-Transport-Security': 'max-age=60' }, remove: ['X-Frame-Options'] },
      },
    ],
  })

  it('gives every route the defaults it does not set', () => {
    const config = compiled(raw())
    const a = proxyAction(config, 0)
    expect(a.host).toBe('preserve')
    expect(a.timeouts).toEqual({ firstByteMs: 1000, totalMs: 9000 })
    // The debug header (observability.debugHeader) carries the admin token: never forwarded.
    expect(a.requestHeaders).toEqual({ set: [['x-env', 'prod'], ['x-team', 'web']], remove: ['cookie', 'portico-debug'] })
    expect(config.routes[0]?.responseHeaders).toEqual({ set: [['strict-transport-security', 'max-age=600']], remove: [] })
  })

  it('merges timeouts field by field: a route setting totalMs keeps the default firstByteMs', () => {
    expect(proxyAction(compiled(raw()), 1).timeouts).toEqual({ firstByteMs: 1000, totalMs: 5000 })
  })

  it('lets a route override the host mode', () => {
    expect(proxyAction(compiled(raw()), 1).host).toBe('api.internal')
  })

  /** What an origin would receive: apply the compiled ops to incoming headers. */
  function applied(ops: { set: ReadonlyArray<readonly [string, string]>; remove: readonly string[] }, incoming: Record<string, string>): Record<string, string> {
    const h = new Headers(incoming)
    for (const name of ops.remove) h.delete(name)
    for (const [name, value] of ops.set) h.set(name, value)
    return Object.fromEntries(h)
  }

  it('layers header edits: a route overrides a default value, re-sets a removed header and removes a default one', () => {
    const ops = proxyAction(compiled(raw()), 1).requestHeaders
    expect(applied(ops, { cookie: 'client=1', 'x-env': 'client' })).toEqual({ cookie: 'a=1', 'x-team': 'api' })
  })

  it('layers response header edits the same way', () => {
    const ops = compiled(raw()).routes[1]?.responseHeaders
    expect(ops && applied(ops, { 'x-frame-options': 'DENY' })).toEqual({ 'strict-transport-security': 'max-age=60' })
  })

  it('keeps set over remove within one layer', () => {
    const ops = proxyAction(compiled({ routes: [{ upstream: U, requestHeaders: { set: { 'X-A': '1' }, remove: ['X-A'] } }] })).requestHeaders
    expect(applied(ops, { 'x-a': 'client' })).toEqual({ 'x-a': '1' })
  })
})
