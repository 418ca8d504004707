import { describe, expect, it } from 'vitest'
import { compileConfig, type BindingLookup, type CompiledConfig, type ConfigError, type RouteAction } from './compile.ts'
import { parseStatusRanges, type CompiledPool } from './compile-pool.ts'

const A = 'https://a.internal'
const B = 'https://b.internal'

const bindings = (over: Partial<BindingLookup> = {}): BindingLookup => ({
  text: (name) => ({ STICKY_KEY: 'sticky-secret' })[name],
  hasService: (name) => name === 'BACKEND',
  hasDurableObject: (name) => name === 'UPSTREAM_HEALTH',
  ...over,
})

function compiled(raw: unknown, b = bindings()): CompiledConfig {
  const result = compileConfig(raw, b)
  if (!result.ok) throw new Error(`expected the config to compile; errors: ${JSON.stringify(result.errors)}`)
  return result.config
}

function errorsOf(raw: unknown, b = bindings()): ConfigError[] {
  const result = compileConfig(raw, b)
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors
}

/** The pool `name` of a config whose only route uses the first pool. */
function poolOf(pools: Record<string, unknown>, name = Object.keys(pools)[0] as string, b = bindings()): CompiledPool {
  const pool = compiled({ pools, routes: [{ pool: Object.keys(pools)[0] }] }, b).pools.get(name)
  if (!pool) throw new Error(`no pool ${name}`)
  return pool
}

function proxyAction(config: CompiledConfig, index = 0): Extract<RouteAction, { kind: 'proxy' }> {
  const action = config.routes[index]?.action
  if (action?.kind !== 'proxy') throw new Error(`route ${index} does not proxy`)
  return action
}

describe('pools: defaults', () => {
  it('balances by smooth weighted round robin, panics rather than refusing, ejects after 5 failures for 30 s up to 5 min, half the pool at most', () => {
    const pool = poolOf({ web: { upstreams: [A, { url: B, weight: 3 }] } })
    expect(pool).toMatchObject({ name: 'web', algorithm: 'weighted-round-robin', hashOn: { kind: 'url' }, sticky: undefined, backup: undefined, panic: true })
    expect([...pool.failureStatuses]).toEqual([502, 503, 504])
    expect(pool.health).toEqual({
      name: 'web',
      upstreams: [
        { key: A, kind: 'url', url: A },
        { key: B, kind: 'url', url: B },
      ],
      policy: { active: undefined, consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectedPercent: 50, slowStartMs: 0 },
    })
    expect(pool.upstreams.map((u) => u.weight)).toEqual([1, 3])
  })

  it('fills in every active check setting but the path', () => {
    const pool = poolOf({ web: { upstreams: [A, B], health: { active: { path: '/healthz' } } } })
    expect(pool.health?.policy.active).toEqual({
      path: '/healthz',
      method: 'GET',
      intervalMs: 10_000,
      timeoutMs: 2_000,
      expectStatus: [[200, 399]],
      bodyContains: undefined,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    })
  })

  it('retries connection failures, timeouts and 502/503/504 twice, idempotent methods only, bodies up to 64 KiB, within 20%', () => {
    const retries = proxyAction(compiled({ pools: { web: { upstreams: [A, B] } }, routes: [{ pool: 'web' }] })).retries
    expect(retries).toEqual({
      attempts: 2,
      onConnectFailure: true,
      onTimeout: true,
      statuses: new Set([502, 503, 504]),
      nonIdempotent: false,
      maxBodyBytes: 65_536,
      budgetPercent: 20,
    })
  })

  it('takes a route\'s retries field by field over the defaults', () => {
    const config = compiled({
      pools: { web: { upstreams: [A, B] } },
      defaults: { retries: { attempts: 4, on: ['timeout'], nonIdempotent: true } },
      routes: [{ pool: 'web', retries: { attempts: 1, statuses: [429] } }, { pool: 'web', match: { path: '/x' } }],
    })
    expect(proxyAction(config, 0).retries).toMatchObject({ attempts: 1, onConnectFailure: false, onTimeout: true, statuses: new Set([429]), nonIdempotent: true })
    expect(proxyAction(config, 1).retries).toMatchObject({ attempts: 4, statuses: new Set([502, 503, 504]) })
  })
})

describe('pools: health settings', () => {
  it('takes every passive setting and slow start as given', () => {
    const pool = poolOf({
      web: {
        upstreams: [A, B],
        health: { passive: { consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 9_000, maxEjectedPercent: 100, failureStatuses: [500, 503] }, slowStartMs: 20_000 },
      },
    })
    expect(pool.health?.policy).toEqual({ active: undefined, consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 9_000, maxEjectedPercent: 100, slowStartMs: 20_000 })
    expect([...pool.failureStatuses]).toEqual([500, 503])
  })

  it('never ejects with passive = false, yet still counts 502/503/504 as failures (for latency and the admin API)', () => {
    const pool = poolOf({ web: { upstreams: [A, B], health: { passive: false } } })
    expect(pool.health?.policy.consecutiveFailures).toBe(Number.MAX_SAFE_INTEGER)
    expect([...pool.failureStatuses]).toEqual([502, 503, 504])
  })

  it.each<[string, Array<[number, number]>]>([
    ['200-399', [[200, 399]]],
    ['200', [[200, 200]]],
    ['200,204', [[200, 200], [204, 204]]],
    ['200-299, 404', [[200, 299], [404, 404]]],
    ['200-204,300-302,418', [[200, 204], [300, 302], [418, 418]]],
  ])('reads expectStatus %j as %j', (text, ranges) => {
    expect(parseStatusRanges(text)).toEqual(ranges)
  })

  it('passes the probe settings to the health object', () => {
    const pool = poolOf({
      web: { upstreams: [A, B], health: { active: { path: '/up', method: 'HEAD', intervalMs: 5_000, timeoutMs: 500, expectStatus: '200,204', bodyContains: 'ok', healthyThreshold: 1, unhealthyThreshold: 4 } } },
    })
    expect(pool.health?.policy.active).toEqual({ path: '/up', method: 'HEAD', intervalMs: 5_000, timeoutMs: 500, expectStatus: [[200, 200], [204, 204]], bodyContains: 'ok', healthyThreshold: 1, unhealthyThreshold: 4 })
  })
})

describe('pools: what is tracked', () => {
  it('does not track a pool of one upstream: there is nothing to choose between', () => {
    expect(poolOf({ one: { upstreams: [A] } }).health).toBeUndefined()
  })

  it('does not track a route\'s own upstream', () => {
    expect(proxyAction(compiled({ routes: [{ upstream: A }] })).pool.health).toBeUndefined()
  })

  it('tracks a pool of one upstream with active checks, so the probes can take it out', () => {
    expect(poolOf({ one: { upstreams: [A], health: { active: { path: '/healthz' } } } }).health?.upstreams).toEqual([{ key: A, kind: 'url', url: A }])
  })

  it('names upstreams by URL with base path, or by service binding, and keeps the mTLS binding for probes', () => {
    const pool = poolOf({ web: { upstreams: [`${A}/app/`, { service: 'BACKEND' }, { url: B, mtlsCertificate: 'BACKEND' }] } })
    expect(pool.health?.upstreams).toEqual([
      { key: `${A}/app`, kind: 'url', url: `${A}/app` },
      { key: 'service:BACKEND', kind: 'service', binding: 'BACKEND' },
      { key: B, kind: 'url', url: B, mtlsBinding: 'BACKEND' },
    ])
  })
})

describe('pools: algorithm, sticky and backup', () => {
  it.each<[unknown, CompiledPool['hashOn']]>([
    [undefined, { kind: 'url' }],
    ['url', { kind: 'url' }],
    ['path', { kind: 'path' }],
    [{ header: 'X-User' }, { kind: 'header', name: 'x-user' }],
    [{ cookie: 'uid' }, { kind: 'cookie', name: 'uid' }],
  ])('hashes consistent-hash on %j', (hashOn, want) => {
    expect(poolOf({ web: { upstreams: [A, B], algorithm: 'consistent-hash', hashOn } }).hashOn).toEqual(want)
  })

  it.each([undefined, 'ip-hash', 'round-robin', 'least-time'])('refuses hashOn with algorithm %s', (algorithm) => {
    expect(errorsOf({ pools: { web: { upstreams: [A, B], algorithm, hashOn: 'path' } }, routes: [{ pool: 'web' }] })).toEqual([
      { path: 'pools.web.hashOn', message: 'only applies with algorithm "consistent-hash"' },
    ])
  })

  it('signs sticky cookies with the secret, named portico_sticky for an hour unless told otherwise', () => {
    expect(poolOf({ web: { upstreams: [A, B], sticky: { secret: { secret: 'STICKY_KEY' } } } }).sticky).toEqual({ cookie: 'portico_sticky', ttlSeconds: 3_600, secret: 'sticky-secret' })
    expect(poolOf({ web: { upstreams: [A, B], sticky: { cookie: 'lb', ttlSeconds: 60, secret: { secret: 'STICKY_KEY' } } } }).sticky).toEqual({ cookie: 'lb', ttlSeconds: 60, secret: 'sticky-secret' })
  })

  it('refuses a sticky pool whose secret is not bound', () => {
    expect(errorsOf({ pools: { web: { upstreams: [A, B], sticky: { secret: { secret: 'NOPE' } } } }, routes: [{ pool: 'web' }] })).toEqual([
      { path: 'pools.web.sticky.secret', message: "secret 'NOPE' is not bound; run: npx wrangler secret put NOPE" },
    ])
  })

  it('links a backup pool', () => {
    const config = compiled({ pools: { web: { upstreams: [A, B], backup: 'dr', panic: false }, dr: { upstreams: ['https://dr.internal'] } }, routes: [{ pool: 'web' }] })
    const web = config.pools.get('web')
    expect(web?.backup).toBe(config.pools.get('dr'))
    expect(web?.panic).toBe(false)
  })

  it('refuses an unknown backup pool, naming the ones defined', () => {
    expect(errorsOf({ pools: { web: { upstreams: [A, B], backup: 'dr' }, static: { upstreams: [A] } }, routes: [{ pool: 'web' }] })).toEqual([
      { path: 'pools.web.backup', message: "unknown pool 'dr'; defined: web, static" },
    ])
  })

  it('refuses a pool as its own backup', () => {
    expect(errorsOf({ pools: { web: { upstreams: [A, B], backup: 'web' } }, routes: [{ pool: 'web' }] })).toEqual([
      { path: 'pools.web.backup', message: 'a pool cannot be its own backup' },
    ])
  })

  it.each([
    ['the same URL', [A, A]],
    ['the same URL with a trailing slash', [A, `${A}/`]],
    ['the same URL, once with a weight', [A, { url: A, weight: 2 }]],
  ])('refuses an upstream listed twice (%s)', (_what, upstreams) => {
    expect(errorsOf({ pools: { web: { upstreams } }, routes: [{ pool: 'web' }] })).toEqual([
      { path: 'pools.web.upstreams[1]', message: `lists ${A} twice; give it a weight instead` },
    ])
  })

  it('accepts the same host under different base paths', () => {
    expect(poolOf({ web: { upstreams: [`${A}/v1`, `${A}/v2`] } }).upstreams.map((u) => u.key)).toEqual([`${A}/v1`, `${A}/v2`])
  })
})

describe('pools: the health Durable Object binding', () => {
  const noHealth = bindings({ hasDurableObject: () => false })

  it('refuses pools of two or more upstreams when UPSTREAM_HEALTH is not bound', () => {
    expect(errorsOf({ pools: { web: { upstreams: [A, B] } }, routes: [{ pool: 'web' }] }, noHealth)).toEqual([
      { path: 'pools', message: expect.stringMatching(/add the UPSTREAM_HEALTH binding and migration to wrangler\.toml/) as unknown as string },
    ])
  })

  it('refuses a single upstream with active checks when UPSTREAM_HEALTH is not bound', () => {
    expect(errorsOf({ pools: { one: { upstreams: [A], health: { active: { path: '/healthz' } } } }, routes: [{ pool: 'one' }] }, noHealth)).toHaveLength(1)
  })

  it('needs no binding for single-upstream pools and routes', () => {
    expect(compiled({ pools: { one: { upstreams: [A] } }, routes: [{ pool: 'one' }, { upstream: B, match: { path: '/b' } }] }, noHealth).pools.size).toBe(1)
  })

  it('assumes the binding when the caller cannot tell (offline checks without a wrangler.toml)', () => {
    expect(compiled({ pools: { web: { upstreams: [A, B] } }, routes: [{ pool: 'web' }] }, bindings({ hasDurableObject: undefined })).pools.size).toBe(1)
  })
})
