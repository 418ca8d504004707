/// <reference types="@cloudflare/vitest-plugin/types" />
// Sticky A/B tests and canaries through the whole Worker in workerd, with the real KV namespace
// (EXPERIMENTS_KV) and Cache API, in front of the real loopback origin. Variants are told apart by
// the pool's base path (/echo/stable, /echo/canary) and the X-Portico-Experiments header the origin
// receives. Every test runs its own experiment name: the per-isolate read cache of KV outlives a test.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import type { PorticoEnv } from '../../src/config/index.ts'
import { bucketOf, variantAt } from '../../src/experiments/index.ts'
import worker from '../../src/index.ts'
import { fetchThrough, originSaw, resource } from './cache-harness.ts'
import { echoOf, ORIGIN_URL, problemOf, send, withConfig, type Echo } from './harness.ts'

const kv = (env as unknown as { EXPERIMENTS_KV: KVNamespace }).EXPERIMENTS_KV
const SECRET = 'experiments-integration-secret-0123456789'
const POOLS = { stable: { upstreams: [`${ORIGIN_URL}/echo/stable`] }, canary: { upstreams: [`${ORIGIN_URL}/echo/canary`] } }

let counter = 0
/** An experiment name no other test uses. */
const fresh = (what: string) => `${what}-${Date.now().toString(36)}-${(counter++).toString(36)}`

type Variants = Array<{ name: string; weight: number; pool?: string; pathPrefix?: string; requestHeaders?: Record<string, string> }>
const canaryAt = (percent: number): Variants => [
  { name: 'stable', weight: 100 - percent },
  { name: 'canary', weight: percent, pool: 'canary' },
]

/** A route "web" on pool "stable" running experiment `name`; `exp` adds to or replaces its settings. */
function abEnv(name: string, exp: Record<string, unknown>, route: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): PorticoEnv {
  return withConfig(
    {
      pools: POOLS,
      routes: [{ name: 'web', pool: 'stable', ...route }],
      experiments: { [name]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, ...exp } },
    },
    { AB_SECRET: SECRET, EXPERIMENTS_KV: kv, ...extra },
  )
}

interface Visit {
  res: Response
  echo: Echo
  /** Which pool answered: the origin path's first segment after /echo. */
  pool: string
  /** The X-Portico-Experiments header the origin received. */
  told: string | undefined
  /** The assignment cookie set, as "name=value" for the next request's Cookie header. */
  cookie: string | undefined
}

/** A request through the whole Worker, its background work (KV writes) awaited. */
async function visit(bindings: PorticoEnv, headers: Record<string, string> = {}, path = '/page'): Promise<Visit> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(`https://www.example.com${path}`, { headers }), bindings, ctx)
  const echo = await echoOf(res)
  await waitOnExecutionContext(ctx)
  const setCookie = res.headers.get('set-cookie')
  return { res, echo, pool: echo.url.split('/')[2] ?? '?', told: echo.headers['x-portico-experiments'], cookie: setCookie?.split(';')[0] }
}

/** The variant a cookie "portico_ab_<exp>=<visitor>.<variant>.<sig>" names. */
const variantIn = (cookie: string | undefined) => cookie?.split('=')[1]?.split('.')[1]
const visitorIn = (cookie: string | undefined) => cookie?.split('=')[1]?.split('.')[0]

/** `n` new visitors (no cookie), each with the cookie it was given and the variant it got. */
async function newVisitors(bindings: PorticoEnv, n: number, name: string): Promise<Array<{ cookie: string; variant: string }>> {
  const out: Array<{ cookie: string; variant: string }> = []
  for (let i = 0; i < n; i++) {
    const v = await visit(bindings)
    const variant = v.told?.replace(`${name}=`, '') ?? '?'
    expect(v.cookie, 'a new visitor gets a cookie').toMatch(new RegExp(`^portico_ab_${name}=[0-9a-f]{32}\\.${variant}\\.[A-Za-z0-9_-]{22}$`))
    out.push({ cookie: v.cookie as string, variant })
  }
  return out
}

const share = (list: Array<{ variant: string }>, variant: string) => (100 * list.filter((v) => v.variant === variant).length) / list.length

/** A user id the hash places in `variant` of these variants (for tests that need one of each). */
function userIn(name: string, variants: Variants, variant: string, prefix = 'user'): string {
  for (let i = 0; ; i++) if (variantAt(variants, bucketOf(name, `${prefix}-${i}`)) === variant) return `${prefix}-${i}`
}

describe('splitting new visitors', () => {
  it('sends 20% of 1,000 new visitors to the canary pool, within 5 percentage points (4 standard deviations), each remembered in a signed cookie', async () => {
    const name = fresh('split')
    const bindings = abEnv(name, { variants: canaryAt(20) })
    const seen: Array<{ variant: string }> = []
    for (let i = 0; i < 1_000; i++) {
      const v = await visit(bindings)
      const variant = variantIn(v.cookie) as string
      expect(v.pool, 'the variant in the cookie is the one served').toBe(variant)
      expect(v.told).toBe(`${name}=${variant}`)
      seen.push({ variant })
    }
    expect(Math.abs(share(seen, 'canary') - 20)).toBeLessThanOrEqual(5)
  }, 60_000)

  it('splits 600 known users three ways by their ids, within 6 points of a third each', async () => {
    const name = fresh('split-users')
    const bindings = abEnv(name, {
      userKey: { header: 'X-User-Id' },
      variants: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 1 },
        { name: 'c', weight: 1 },
      ],
    })
    const seen: Array<{ variant: string }> = []
    for (let i = 0; i < 600; i++) seen.push({ variant: (await visit(bindings, { 'x-user-id': `u${i}` })).told?.split('=')[1] as string })
    // Placement by id is a hash: the same 600 ids always split the same way.
    for (const v of ['a', 'b', 'c']) expect(Math.abs(share(seen, v) - 100 / 3)).toBeLessThanOrEqual(6)
  }, 60_000)
})

describe('stickiness', () => {
  it('keeps a visitor on its variant with the cookie, and sets no new cookie while it holds', async () => {
    const name = fresh('sticky')
    const bindings = abEnv(name, { variants: [{ name: 'stable', weight: 50 }, { name: 'canary', weight: 50, pool: 'canary' }] })
    for (const { cookie, variant } of await newVisitors(bindings, 20, name)) {
      for (let i = 0; i < 3; i++) {
        const again = await visit(bindings, { cookie: `theme=dark; ${cookie}` })
        expect(again.pool).toBe(variant)
        expect(again.res.headers.get('set-cookie')).toBeNull()
      }
    }
  }, 30_000)

  it('gives a known user the same variant without a cookie, on any device, from KV', async () => {
    const name = fresh('known')
    const bindings = abEnv(name, { userKey: { header: 'X-User-Id' }, variants: canaryAt(50) })
    const first = await visit(bindings, { 'x-user-id': 'alice' })
    const variant = first.pool
    // The assignment reached KV, under a hash of the id.
    const { keys } = await kv.list({ prefix: `ab:${name}:` })
    expect(keys).toHaveLength(1)
    expect(keys[0]?.name).not.toContain('alice')
    expect(await kv.get(keys[0]?.name as string)).toBe(variant)
    // Cookie lost, another device: the same variant, and a new cookie to carry it.
    for (let i = 0; i < 3; i++) {
      const again = await visit(bindings, { 'x-user-id': 'alice' })
      expect(again.pool).toBe(variant)
      expect(variantIn(again.cookie)).toBe(variant)
    }
  })

  it('honours an assignment another colo wrote to KV, over the hash placement', async () => {
    const name = fresh('other-colo')
    const variants = canaryAt(50)
    const bindings = abEnv(name, { userKey: { header: 'X-User-Id' }, variants })
    const user = userIn(name, variants, 'stable')
    // Written as store.ts does, from another isolate: "ab:<experiment>:" + 128 bits of SHA-256(id).
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(user)))
    await kv.put(`ab:${name}:${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`, 'canary')
    expect((await visit(bindings, { 'x-user-id': user })).pool).toBe('canary')
  })

  it('keeps a known user on the cookie\'s variant when KV cannot be read, and writes nothing over KV', async () => {
    // A fake: a KV outage cannot be produced with the local namespace.
    const puts: string[] = []
    const unavailable = () => Promise.reject(new Error('KV unavailable'))
    const down = { get: unavailable, getWithMetadata: unavailable, put: (key: string) => (puts.push(key), Promise.resolve()) }
    const name = fresh('kv-down')
    const variants = canaryAt(50)
    const user = userIn(name, variants, 'stable')
    const bindings = abEnv(name, { userKey: { header: 'X-User-Id' }, variants }, {}, { EXPERIMENTS_KV: down })
    const canaryOnly = abEnv(name, { variants: [{ name: 'canary', weight: 1, pool: 'canary' }] })
    const { cookie } = (await newVisitors(canaryOnly, 1, name))[0] as { cookie: string }
    const v = await visit(bindings, { 'x-user-id': user, cookie })
    expect(v.pool).toBe('canary')
    expect(v.res.headers.get('set-cookie')).toBeNull()
    // Without a cookie the hash places the user, still without writing.
    expect((await visit(bindings, { 'x-user-id': user })).pool).toBe('stable')
    expect(puts).toEqual([])
  })

  it('reads the stored assignments of every experiment on a route at once, not one KV round trip after another', async () => {
    // The real namespace, watched: how many reads are under way together.
    let inFlight = 0
    let most = 0
    const watched = {
      get: async (key: string) => {
        most = Math.max(most, ++inFlight)
        await new Promise((r) => setTimeout(r, 20))
        inFlight--
        return kv.get(key)
      },
      getWithMetadata: (key: string) => kv.getWithMetadata(key),
      put: (key: string, value: string, options?: KVNamespacePutOptions) => kv.put(key, value, options),
    }
    const [one, two] = [fresh('parallel-a'), fresh('parallel-b')]
    const exp = { routes: ['web'], secret: { secret: 'AB_SECRET' }, userKey: { header: 'X-User-Id' }, variants: canaryAt(50) }
    const bindings = withConfig({ pools: POOLS, routes: [{ name: 'web', pool: 'stable' }], experiments: { [one]: exp, [two]: exp } }, { AB_SECRET: SECRET, EXPERIMENTS_KV: watched })
    const v = await visit(bindings, { 'x-user-id': `user-${crypto.randomUUID()}` })
    expect(v.told?.split(', ').map((l) => l.split('=')[0]).sort()).toEqual([one, two].sort())
    expect(most).toBe(2)
  })

  it('takes the user id from a cookie', async () => {
    const name = fresh('cookie-id')
    const variants = canaryAt(50)
    const bindings = abEnv(name, { userKey: { cookie: 'uid' }, variants })
    for (const variant of ['stable', 'canary']) {
      const user = userIn(name, variants, variant)
      expect((await visit(bindings, { cookie: `uid=${user}` })).pool).toBe(variant)
      expect((await visit(bindings, { cookie: `uid=${user}` })).pool).toBe(variant)
    }
  })

  it('takes the user id from a verified JWT claim', async () => {
    const name = fresh('claim-id')
    const variants = canaryAt(50)
    const key = 'jwt-hs256-key-for-experiments-0123456789abcdef'
    const access = { jwt: { issuers: [{ issuer: 'https://auth.example.com/', algorithms: ['HS256'], secret: { secret: 'JWT_KEY' } }] } }
    const bindings = abEnv(name, { userKey: { claim: 'sub' }, variants }, { access }, { JWT_KEY: key })
    const token = (sub: string) =>
      new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://auth.example.com/').setExpirationTime('5m').sign(new TextEncoder().encode(key))
    for (const variant of ['stable', 'canary']) {
      const user = userIn(name, variants, variant)
      const v = await visit(bindings, { authorization: `Bearer ${await token(user)}` })
      expect(v.res.status).toBe(200)
      expect(v.pool).toBe(variant)
      expect(v.res.headers.get('vary')).toContain('Authorization')
    }
  })
})

describe('changing the config of a running experiment', () => {
  it('keeps every returning visitor on its variant when the canary grows from 5% to 10%, and gives new visitors 10%', async () => {
    const name = fresh('ramp')
    const before = await newVisitors(abEnv(name, { variants: canaryAt(5) }), 300, name)
    const after = abEnv(name, { variants: canaryAt(10) })
    for (const { cookie, variant } of before) {
      const again = await visit(after, { cookie })
      expect(again.pool).toBe(variant)
      expect(again.res.headers.get('set-cookie')).toBeNull()
    }
    // New visitors: 10% of 600 within 5 points (4 standard deviations).
    expect(Math.abs(share(await newVisitors(after, 600, name), 'canary') - 10)).toBeLessThanOrEqual(5)
  }, 30_000)

  it('keeps every known user on its variant when the canary grows from 5% to 50%, without cookies (KV)', async () => {
    const name = fresh('ramp-known')
    const users = Array.from({ length: 200 }, (_, i) => `ramp-user-${i}`)
    const was = new Map<string, string>()
    const before = abEnv(name, { userKey: { header: 'X-User-Id' }, variants: canaryAt(5) })
    for (const u of users) was.set(u, (await visit(before, { 'x-user-id': u })).pool)
    const after = abEnv(name, { userKey: { header: 'X-User-Id' }, variants: canaryAt(50) })
    for (const u of users) expect((await visit(after, { 'x-user-id': u })).pool, u).toBe(was.get(u))
  }, 30_000)

  it.each<[string, Variants]>([
    [
      'is removed',
      [
        { name: 'a', weight: 1, requestHeaders: { 'X-Look': 'a' } },
        { name: 'c', weight: 1, requestHeaders: { 'X-Look': 'c' } },
      ],
    ],
    [
      'gets weight 0',
      [
        { name: 'a', weight: 1, requestHeaders: { 'X-Look': 'a' } },
        { name: 'b', weight: 0, requestHeaders: { 'X-Look': 'b' } },
        { name: 'c', weight: 1, requestHeaders: { 'X-Look': 'c' } },
      ],
    ],
  ])('reassigns only the visitors of a variant that %s, keeping their visitor id', async (_how, now) => {
    const name = fresh('remove')
    const three: Variants = ['a', 'b', 'c'].map((v) => ({ name: v, weight: 1, requestHeaders: { 'X-Look': v } }))
    const before = await newVisitors(abEnv(name, { variants: three }), 150, name)
    expect(new Set(before.map((v) => v.variant))).toEqual(new Set(['a', 'b', 'c']))
    const after = abEnv(name, { variants: now })
    for (const { cookie, variant } of before) {
      const again = await visit(after, { cookie })
      const look = again.echo.headers['x-look']
      if (variant !== 'b') {
        expect(look).toBe(variant)
        expect(again.res.headers.get('set-cookie')).toBeNull()
      } else {
        expect(['a', 'c']).toContain(look)
        expect(variantIn(again.cookie)).toBe(look)
        expect(visitorIn(again.cookie)).toBe(visitorIn(cookie))
      }
    }
  }, 30_000)

  it('reassigns a known user of a removed variant and remembers the new one in KV', async () => {
    const name = fresh('remove-known')
    const variants = canaryAt(50)
    const user = userIn(name, variants, 'canary')
    expect((await visit(abEnv(name, { userKey: { header: 'X-User-Id' }, variants }), { 'x-user-id': user })).pool).toBe('canary')
    const ended = abEnv(name, { userKey: { header: 'X-User-Id' }, variants: [{ name: 'stable', weight: 1 }] })
    expect((await visit(ended, { 'x-user-id': user })).pool).toBe('stable')
    const { keys } = await kv.list({ prefix: `ab:${name}:` })
    expect(await kv.get(keys[0]?.name as string)).toBe('stable')
  })

  it('sends everyone back to the route as configured when the experiment is removed from config', async () => {
    const name = fresh('ended')
    const canaryOnly = abEnv(name, { variants: [{ name: 'canary', weight: 1, pool: 'canary' }] })
    const { cookie } = (await newVisitors(canaryOnly, 1, name))[0] as { cookie: string }
    const without = withConfig({ pools: POOLS, routes: [{ name: 'web', pool: 'stable' }] })
    const v = await visit(without, { cookie })
    expect(v.pool).toBe('stable')
    expect(v.told).toBeUndefined()
  })
})

describe('a tampered cookie', () => {
  // The canary takes one new visitor in a million: a visitor who lands there had its cookie believed.
  const variants: Variants = [
    { name: 'stable', weight: 1_000_000 },
    { name: 'canary', weight: 1, pool: 'canary' },
  ]

  it.each<[string, (real: string, name: string) => string]>([
    ['its variant edited', (real) => real.replace('.stable.', '.canary.')],
    ['a made-up signature', (real, name) => `portico_ab_${name}=${visitorIn(real)}.canary.${'A'.repeat(22)}`],
    ['a signature from another secret', () => ''],
  ])('is not believed with %s: the visitor is assigned afresh and gets a new signed cookie', async (what, forge) => {
    const name = fresh('tamper')
    const bindings = abEnv(name, { variants })
    let forged: string
    if (what === 'a signature from another secret') {
      const other = abEnv(name, { variants: [{ name: 'canary', weight: 1, pool: 'canary' }] }, {}, { AB_SECRET: 'another-secret-entirely-0123456789' })
      forged = (await newVisitors(other, 1, name))[0]?.cookie as string
    } else {
      forged = forge((await newVisitors(bindings, 1, name))[0]?.cookie as string, name)
    }
    expect(variantIn(forged)).toBe('canary')
    for (let i = 0; i < 5; i++) {
      const v = await visit(bindings, { cookie: forged })
      expect(v.pool).toBe('stable')
      expect(v.cookie).toMatch(new RegExp(`^portico_ab_${name}=[0-9a-f]{32}\\.stable\\.[A-Za-z0-9_-]{22}$`))
      expect(visitorIn(v.cookie)).not.toBe(visitorIn(forged))
      // The new cookie is believed.
      expect((await visit(bindings, { cookie: v.cookie as string })).res.headers.get('set-cookie')).toBeNull()
    }
  })

  it('is not believed when copied from another experiment', async () => {
    const [one, two] = [fresh('copy-from'), fresh('copy-to')]
    const { cookie } = (await newVisitors(abEnv(one, { variants: [{ name: 'canary', weight: 1, pool: 'canary' }] }), 1, one))[0] as { cookie: string }
    const v = await visit(abEnv(two, { variants }), { cookie: cookie.replace(`portico_ab_${one}=`, `portico_ab_${two}=`) })
    expect(v.pool).toBe('stable')
  })
})

describe('QA overrides', () => {
  const variants: Variants = [
    { name: 'stable', weight: 1 },
    { name: 'canary', weight: 0, pool: 'canary' },
  ]

  it('are ignored unless allowOverride is set', async () => {
    const name = fresh('no-override')
    const bindings = abEnv(name, { variants })
    expect((await visit(bindings, { 'x-portico-variant': `${name}=canary` })).pool).toBe('stable')
    expect((await visit(bindings, {}, `/page?portico-variant=${name}:canary`)).pool).toBe('stable')
  })

  it('pick a variant by header or query when allowed, even one at weight 0, and are not remembered', async () => {
    const name = fresh('override')
    const bindings = abEnv(name, { variants, allowOverride: true, debugHeader: true })
    const byHeader = await visit(bindings, { 'x-portico-variant': `other=x, ${name}=canary` })
    expect(byHeader.pool).toBe('canary')
    expect(byHeader.told).toBe(`${name}=canary`)
    expect(byHeader.res.headers.get('set-cookie')).toBeNull()
    expect(byHeader.res.headers.get('x-portico-variant')).toBe(`${name}=canary (override)`)
    expect(byHeader.res.headers.get('vary')).toMatch(/x-portico-variant/i)
    const byQuery = await visit(bindings, {}, `/page?portico-variant=${name}:canary`)
    expect(byQuery.pool).toBe('canary')
    // An unknown variant is ignored.
    expect((await visit(bindings, { 'x-portico-variant': `${name}=nope` })).pool).toBe('stable')
  })

  it('leave a visitor\'s own assignment in place for the next request', async () => {
    const name = fresh('override-kept')
    const bindings = abEnv(name, { variants, allowOverride: true })
    const { cookie } = (await newVisitors(bindings, 1, name))[0] as { cookie: string }
    const over = await visit(bindings, { cookie, 'x-portico-variant': `${name}=canary` })
    expect(over.pool).toBe('canary')
    expect(over.res.headers.get('set-cookie')).toBeNull()
    expect((await visit(bindings, { cookie })).pool).toBe('stable')
  })
})

describe('what the origin receives', () => {
  it('the variant in X-Portico-Experiments (the client\'s own replaced), and the variant\'s pool, path prefix and headers', async () => {
    const name = fresh('origin')
    const bindings = abEnv(name, {
      variants: [{ name: 'v2', weight: 1, pool: 'canary', pathPrefix: '/v2', requestHeaders: { 'X-Feature': 'new-checkout', 'X-Other': '1' } }],
    })
    const v = await visit(bindings, { 'x-portico-experiments': `${name}=forged` }, '/cart?x=1')
    expect(v.echo.url).toBe('/echo/canary/v2/cart?x=1')
    expect(v.told).toBe(`${name}=v2`)
    expect(v.echo.headers['x-feature']).toBe('new-checkout')
    expect(v.echo.headers['x-other']).toBe('1')
  })

  it('the control unchanged: the route\'s pool and path', async () => {
    const name = fresh('control')
    const v = await visit(abEnv(name, { variants: [{ name: 'control', weight: 1 }] }), {}, '/cart')
    expect(v.echo.url).toBe('/echo/stable/cart')
    expect(v.told).toBe(`${name}=control`)
  })

  it('every experiment of the route, with a cookie for each', async () => {
    const [one, two] = [fresh('first'), fresh('second')]
    const bindings = withConfig(
      {
        pools: POOLS,
        routes: [{ name: 'web', pool: 'stable' }],
        experiments: {
          [one]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, variants: [{ name: 'x', weight: 1, requestHeaders: { 'X-One': 'x' } }] },
          [two]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, variants: [{ name: 'y', weight: 1, pathPrefix: '/y' }] },
        },
      },
      { AB_SECRET: SECRET, EXPERIMENTS_KV: kv },
    )
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request('https://www.example.com/p'), bindings, ctx)
    const echo = await echoOf(res)
    await waitOnExecutionContext(ctx)
    expect(echo.headers['x-portico-experiments']).toBe(`${one}=x, ${two}=y`)
    expect(echo.headers['x-one']).toBe('x')
    expect(echo.url).toBe('/echo/stable/y/p')
    expect(res.headers.getSetCookie().map((c) => c.split('=')[0]).sort()).toEqual([`portico_ab_${one}`, `portico_ab_${two}`].sort())
  })

  it('nothing on routes without an experiment', async () => {
    const name = fresh('other-route')
    const bindings = withConfig(
      {
        pools: POOLS,
        routes: [
          { name: 'web', match: { path: '/web' }, pool: 'stable' },
          { name: 'api', pool: 'stable' },
        ],
        experiments: { [name]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, variants: [{ name: 'x', weight: 1 }] } },
      },
      { AB_SECRET: SECRET, EXPERIMENTS_KV: kv },
    )
    const v = await visit(bindings, {}, '/api/thing')
    expect(v.told).toBeUndefined()
    expect(v.cookie).toBeUndefined()
    expect((await visit(bindings, {}, '/web/thing')).told).toBe(`${name}=x`)
  })
})

describe('caching per variant', () => {
  const variants: Variants = [
    { name: 'a', weight: 1, requestHeaders: { 'X-Look': 'a' } },
    { name: 'b', weight: 1, requestHeaders: { 'X-Look': 'b' } },
  ]
  const cachingAb = (name: string) =>
    withConfig(
      { routes: [{ name: 'web', upstream: ORIGIN_URL, cache: {} }], experiments: { [name]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, userKey: { header: 'X-User-Id' }, variants } } },
      { AB_SECRET: SECRET, EXPERIMENTS_KV: kv },
    )

  it('never serves variant A\'s cached page to variant B, and serves each variant from cache to its own users', async () => {
    const name = fresh('cache')
    const bindings = cachingAb(name)
    const { url, path } = resource('ab', { h: 'Cache-Control: max-age=3600' })
    const [a1, a2] = [userIn(name, variants, 'a', 'a'), userIn(name, variants, 'a', 'aa')]
    const [b1, b2] = [userIn(name, variants, 'b', 'b'), userIn(name, variants, 'b', 'bb')]
    const as = (user: string) => fetchThrough(url, bindings, { headers: { 'x-user-id': user } })

    const firstA = await as(a1)
    expect(firstA.cacheStatus).toMatch(/fwd=uri-miss; fwd-status=200; stored/)
    const firstB = await as(b1)
    expect(firstB.cacheStatus, 'B does not get A\'s stored page').toMatch(/fwd=uri-miss; fwd-status=200; stored/)
    expect(firstB.body).not.toBe(firstA.body)

    for (const [user, first] of [[a1, firstA], [a2, firstA], [b1, firstB], [b2, firstB]] as const) {
      const again = await as(user)
      expect(again.cacheStatus).toMatch(/^Portico; hit/)
      expect(again.body).toBe(first.body)
    }
    const saw = await originSaw(path)
    expect(saw.count).toBe(2)
    expect(saw.requests.map((r) => [r.headers['x-look'], r.headers['x-portico-experiments']])).toEqual([
      ['a', `${name}=a`],
      ['b', `${name}=b`],
    ])
  })

  it('purges every variant\'s copy with a purge of the URL', async () => {
    const name = fresh('cache-purge')
    const token = 'experiments-purge-token-0123456789'
    const bindings = withConfig(
      { routes: [{ name: 'web', upstream: ORIGIN_URL, cache: {} }], experiments: { [name]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, userKey: { header: 'X-User-Id' }, variants } } },
      { AB_SECRET: SECRET, EXPERIMENTS_KV: kv, ADMIN_TOKEN: token },
    )
    const { url, path } = resource('ab-purge', { h: 'Cache-Control: max-age=3600' })
    const users = [userIn(name, variants, 'a'), userIn(name, variants, 'b')]
    for (const user of users) {
      await fetchThrough(url, bindings, { headers: { 'x-user-id': user } })
      expect((await fetchThrough(url, bindings, { headers: { 'x-user-id': user } })).cacheStatus).toMatch(/^Portico; hit/)
    }
    const purged = await fetchThrough('https://www.example.com/_portico/purge', bindings, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ urls: [url] }),
    })
    expect(purged.status).toBe(200)
    for (const user of users) expect((await fetchThrough(url, bindings, { headers: { 'x-user-id': user } })).cacheStatus).not.toMatch(/^Portico; hit/)
    expect((await originSaw(path)).count).toBe(4)
  })

  it('tells downstream caches the page depends on the assignment: Vary, and private while handing out a cookie', async () => {
    const name = fresh('downstream')
    const bindings = abEnv(name, { variants: canaryAt(50) })
    const first = await visit(bindings)
    expect(first.res.headers.get('vary')).toMatch(/\bCookie\b/)
    expect(first.res.headers.get('cache-control')).toMatch(/^private\b/)
    const again = await visit(bindings, { cookie: first.cookie as string })
    expect(again.res.headers.get('vary')).toMatch(/\bCookie\b/)
    expect(again.res.headers.get('cache-control') ?? '').not.toMatch(/private/)
  })

  it('does not hand a cached copy\'s cookie to another visitor', async () => {
    const name = fresh('cache-cookie')
    const bindings = withConfig(
      { routes: [{ name: 'web', upstream: ORIGIN_URL, cache: {} }], experiments: { [name]: { routes: ['web'], secret: { secret: 'AB_SECRET' }, variants: [{ name: 'only', weight: 1 }] } } },
      { AB_SECRET: SECRET, EXPERIMENTS_KV: kv },
    )
    const { url } = resource('ab-cookie', { h: 'Cache-Control: public, max-age=3600' })
    const first = await fetchThrough(url, bindings)
    const second = await fetchThrough(url, bindings)
    expect(second.cacheStatus).toMatch(/^Portico; hit/)
    const visitorOf = (a: typeof first) => visitorIn(a.headers.get('set-cookie')?.split(';')[0])
    expect(visitorOf(first)).toMatch(/^[0-9a-f]{32}$/)
    expect(visitorOf(second)).toMatch(/^[0-9a-f]{32}$/)
    expect(visitorOf(second)).not.toBe(visitorOf(first))
    expect(second.headers.getSetCookie()).toHaveLength(1)
    expect(second.headers.get('cache-control')).toBe('private, max-age=3600')
  })
})

describe('the debug header', () => {
  it('names the variant and why, only with debugHeader', async () => {
    const name = fresh('debug')
    const on = abEnv(name, { variants: [{ name: 'only', weight: 1 }], debugHeader: true })
    const first = await visit(on)
    expect(first.res.headers.get('x-portico-variant')).toBe(`${name}=only (new)`)
    const again = await visit(on, { cookie: first.cookie as string })
    expect(again.res.headers.get('x-portico-variant')).toBe(`${name}=only (stored)`)
    const off = await visit(abEnv(fresh('no-debug'), { variants: [{ name: 'only', weight: 1 }] }))
    expect(off.res.headers.get('x-portico-variant')).toBeNull()
  })
})

describe('config errors', () => {
  const errorsOf = async (experiment: Record<string, unknown>, extra: Record<string, unknown> = { AB_SECRET: SECRET }, routes: unknown[] = [{ name: 'web', pool: 'stable' }]) => {
    const bindings = withConfig({ pools: POOLS, routes, experiments: { e: { routes: ['web'], secret: { secret: 'AB_SECRET' }, variants: canaryAt(10), ...experiment } } }, extra)
    const res = await send('https://www.example.com/', bindings)
    expect(res.status).toBe(500)
    return (await problemOf(res)).errors
  }

  it.each<[string, Record<string, unknown>, { path: string; message: RegExp }]>([
    ['an unknown route', { routes: ['web', 'shop'] }, { path: 'experiments.e.routes[1]', message: /no route is named 'shop'/ }],
    ['an unknown pool', { variants: [{ name: 'a', weight: 1, pool: 'nowhere' }] }, { path: 'experiments.e.variants[0].pool', message: /unknown pool 'nowhere'; defined: stable, canary/ }],
    ['duplicate variant names', { variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 2 }] }, { path: 'experiments.e.variants', message: /unique/ }],
    ['every weight 0', { variants: [{ name: 'a', weight: 0 }, { name: 'b', weight: 0 }] }, { path: 'experiments.e.variants', message: /weight above 0/ }],
    ['no variants', { variants: [] }, { path: 'experiments.e.variants', message: /at least one variant/ }],
    ['a negative weight', { variants: [{ name: 'a', weight: -1 }] }, { path: 'experiments.e.variants[0].weight', message: />= 0/ }],
    ['a variant name a cookie cannot carry', { variants: [{ name: 'a.b', weight: 1 }] }, { path: 'experiments.e.variants[0].name', message: /letters, digits/ }],
  ])('reports %s', async (_what, experiment, expected) => {
    const errors = await errorsOf(experiment)
    expect(errors).toContainEqual({ path: expected.path, message: expect.stringMatching(expected.message) as unknown as string })
  })

  it('reports an experiment on a redirect route', async () => {
    const errors = await errorsOf({}, { AB_SECRET: SECRET }, [{ name: 'web', redirect: { to: 'https://example.org/' } }])
    expect(errors).toContainEqual({ path: 'experiments.e.routes[0]', message: expect.stringMatching(/does not forward/) as unknown as string })
  })

  it('reports a userKey without the EXPERIMENTS_KV binding', async () => {
    const errors = await errorsOf({ userKey: { header: 'X-User-Id' } })
    expect(errors).toContainEqual({ path: 'experiments.e.userKey', message: expect.stringMatching(/add the EXPERIMENTS_KV binding/) as unknown as string })
  })

  it('reports an unbound secret', async () => {
    const errors = await errorsOf({}, {})
    expect(errors).toContainEqual({ path: 'experiments.e.secret', message: expect.stringMatching(/secret 'AB_SECRET' is not bound/) as unknown as string })
  })
})
