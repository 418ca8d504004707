import { describe, expect, it } from 'vitest'
import { compileConfig, type BindingLookup, type CompiledConfig } from '../config/index.ts'

const SECRETS: Record<string, string> = { KEY_CI: 'k-ci-0123456789', ALICE: 'pw', HS: 'x'.repeat(32), SHORT: 'short', SIGN: 'origin-secret' }
const bindings: BindingLookup = { text: (n) => SECRETS[n], hasService: () => false }
const compile = (cfg: unknown) => compileConfig(cfg, bindings)
const compiled = (cfg: unknown): CompiledConfig => {
  const r = compile(cfg)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}
const errorsOf = (cfg: unknown) => {
  const r = compile(cfg)
  return r.ok ? [] : r.errors
}
const upstream = 'https://origin.example.test'

describe('safe defaults', () => {
  it('normalises paths, refuses encoded slashes and double encoding, and strips unkeyed override headers', () => {
    const c = compiled({ routes: [{ upstream }] })
    expect(c.paths).toEqual({ normalise: true, mergeSlashes: true, encodedSlashes: 'reject', doubleEncoding: 'reject' })
    expect(c.forwarding.strippedRequestHeaders).toEqual(expect.arrayContaining(['x-original-url', 'x-rewrite-url', 'x-http-method-override', 'x-forwarded-server']))
  })

  it('puts size limits on every route, and nothing else unless asked', () => {
    const route = compiled({ routes: [{ upstream }] }).routes[0]
    expect(route?.limits).toEqual({ maxUrlBytes: 8192, maxHeaderCount: 100, maxHeaderBytes: 32768, maxBodyBytes: undefined, methods: undefined })
    expect([route?.access, route?.filter, route?.shield, route?.cors]).toEqual([undefined, undefined, undefined, undefined])
  })

  it('with shield = {}: https redirect, a year of HSTS without subdomains, and the default security headers', () => {
    const shield = compiled({ routes: [{ upstream, shield: {} }] }).routes[0]?.shield
    expect(shield?.httpsRedirect).toBe(true)
    expect(shield?.hsts).toBe('max-age=31536000')
    expect(Object.fromEntries(shield?.headers ?? [])).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' })
  })
})

describe('inheritance', () => {
  it('applies defaults to every route and lets a route turn a setting off', () => {
    const c = compiled({
      defaults: { access: { ip: { allow: ['10.0.0.0/8'] } }, filter: { bundled: ['sqli'] }, limits: { maxBodyBytes: 1000 } },
      routes: [{ name: 'health', match: { path: '/healthz' }, upstream, access: { enabled: false }, limits: { enabled: false } }, { upstream }],
    })
    expect(c.routes[0]?.access).toBeUndefined()
    expect(c.routes[0]?.limits).toBeUndefined()
    expect(c.routes[0]?.filter?.rules.length).toBeGreaterThan(0)
    expect(c.routes[1]?.access?.ipAllow?.has('10.1.1.1')).toBe(true)
    expect(c.routes[1]?.limits?.maxBodyBytes).toBe(1000)
  })

  it('keeps a kept override header in the cache key of caching routes', () => {
    const c = compiled({ forwarding: { keepRequestHeaders: ['X-HTTP-Method-Override'] }, routes: [{ upstream, cache: {} }] })
    expect(c.forwarding.strippedRequestHeaders).not.toContain('x-http-method-override')
    const action = c.routes[0]?.action
    expect(action?.kind === 'proxy' && action.cache?.key.headers).toContain('x-http-method-override')
  })

  it('keys the cache on trusted forwarding headers', () => {
    const action = compiled({ forwarding: { trustIncoming: true }, routes: [{ upstream, cache: {} }] }).routes[0]?.action
    expect(action?.kind === 'proxy' && action.cache?.key.headers).toEqual(expect.arrayContaining(['x-forwarded-host', 'x-forwarded-proto']))
  })
})

describe('config errors, each at its field path', () => {
  it('reports bad CIDRs and country codes', () => {
    const errors = errorsOf({ routes: [{ upstream, access: { ip: { allow: ['10.0.0.0/8', '10.0.0.1/8'], deny: ['nope'] } } }] })
    expect(errors.map((e) => e.path)).toEqual(['routes[0].access.ip.allow[1]', 'routes[0].access.ip.deny[0]'])
    expect(errorsOf({ routes: [{ upstream, access: { countries: { deny: ['Germany'] } } }] }).map((e) => e.path)).toEqual(['routes[0].access.countries.deny[0]'])
  })

  it('refuses an issuer that mixes HMAC and public-key algorithms, or pairs them with the wrong key', () => {
    const errors = errorsOf({
      routes: [
        {
          upstream,
          access: {
            jwt: {
              issuers: [
                { issuer: 'a', algorithms: ['RS256', 'HS256'], jwksUrl: 'https://a.example.test/jwks' },
                { issuer: 'b', algorithms: ['HS256'], jwksUrl: 'https://b.example.test/jwks' },
                { issuer: 'c', algorithms: ['RS256'] },
                { issuer: 'd', algorithms: ['HS256'], secret: { secret: 'SHORT' } },
                { issuer: 'f', algorithms: ['ES256'], jwksUrl: 'http://f.example.test/jwks' },
              ],
            },
          },
        },
      ],
    })
    const at = (i: number, f: string) => errors.find((e) => e.path === `routes[0].access.jwt.issuers[${i}].${f}`)?.message
    expect(at(0, 'algorithms')).toContain('algorithm confusion')
    expect(at(1, 'jwksUrl')).toContain('secret')
    expect(at(1, 'secret')).toContain('need')
    expect(at(2, 'jwksUrl')).toContain('jwksUrl')
    expect(at(3, 'secret')).toContain('at least 32')
    expect(at(4, 'jwksUrl')).toContain('https')
    const none = errorsOf({ routes: [{ upstream, access: { jwt: { issuers: [{ issuer: 'e', algorithms: ['none'], jwksUrl: 'https://e.example.test/jwks' }] } } }] })
    expect(none[0]).toMatchObject({ path: 'routes[0].access.jwt.issuers[0].algorithms[0]', message: expect.stringContaining('"none" is never accepted') })
  })

  it('names a missing secret and the command that sets it', () => {
    const errors = errorsOf({ routes: [{ upstream, access: { apiKeys: { keys: { ci: { secret: 'MISSING' } } } } }] })
    expect(errors).toContainEqual({ path: 'routes[0].access.apiKeys.keys.ci.secret', message: expect.stringContaining('wrangler secret put MISSING') })
  })

  it('reports a bad filter pattern or target, and a filter without rules', () => {
    const errors = errorsOf({ routes: [{ upstream, filter: { rules: [{ id: 'x', pattern: '(a)\\1', in: ['cookies'] }] } }, { upstream, filter: {} }] })
    expect(errors.map((e) => e.path)).toEqual(['routes[0].filter.rules[0].pattern', 'routes[1].filter.bundled'])
    expect(errorsOf({ routes: [{ upstream, filter: { rules: [{ id: 'x', pattern: 'a', in: ['cookies'] }] } }] }).map((e) => e.path)).toEqual(['routes[0].filter.rules[0].in[0]'])
  })

  it('refuses CORS credentials for any origin', () => {
    expect(errorsOf({ routes: [{ upstream, cors: { origins: ['*'], credentials: true } }] })).toContainEqual({ path: 'routes[0].cors.credentials', message: expect.stringContaining('list the origins') })
  })

  it('reports a problem in defaults once, at defaults', () => {
    const errors = errorsOf({ defaults: { access: { ip: { deny: ['bad'] } } }, routes: [{ upstream }, { upstream }] })
    expect(errors).toEqual([{ path: 'defaults.access.ip.deny[0]', message: expect.any(String) }])
  })

  it('signs origin requests with the secret named', () => {
    const action = compiled({ routes: [{ upstream, shield: { originSignature: { secret: { secret: 'SIGN' } } } }] }).routes[0]?.action
    expect(action?.kind === 'proxy' && action.originSignature).toEqual({ header: 'portico-signature', secret: 'origin-secret' })
  })
})
