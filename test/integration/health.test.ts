/// <reference types="@cloudflare/vitest-plugin/types" />
// Upstream health against the real pieces: the UpstreamHealth Durable Object from wrangler.toml
// (its storage, alarm and probes over real sockets to the loopback origin), then what a client of
// the Worker sees when upstreams are out: backup, panic, 503 with Retry-After, the admin view.
import { createExecutionContext, evictDurableObject, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import worker from '../../src/index.ts'
import { loadConfig, type PorticoEnv } from '../../src/config/index.ts'
import { SNAPSHOT_TTL_MS, type HealthView, type OutcomeBatch, type PoolSpec, type UpstreamHealth } from '../../src/health/index.ts'
import type { ActiveCheck, HealthPolicy } from '../../src/health/state.ts'
import { echoOf, ORIGIN_URL, problemOf, testEnv, withConfig } from './harness.ts'

/** Nothing listens on port 1: connections are refused at once. */
const DEAD = 'http://127.0.0.1:1'
/** The same closed port under another name, for a second dead upstream with its own key. */
const DEAD_TOO = 'http://localhost:1'
const HOUR_MS = 3_600_000

const ns = env.UPSTREAM_HEALTH
const used: Array<DurableObjectStub<UpstreamHealth>> = []

/** A pool's object, by a name no other test uses (storage is shared within this file). */
function objectFor(pool: string): DurableObjectStub<UpstreamHealth> {
  const stub = ns.get(ns.idFromName(`pool:${pool}`))
  used.push(stub)
  return stub
}

// Alarms outlive a test (the Workers Vitest integration does not reset them): take them down.
afterEach(async () => {
  for (const stub of used.splice(0)) await runInDurableObject(stub, (_obj, state) => state.storage.deleteAlarm())
})

const POLICY: HealthPolicy = { active: undefined, consecutiveFailures: 3, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectedPercent: 100, slowStartMs: 0 }

const check = (over: Partial<ActiveCheck> = {}): ActiveCheck => ({
  path: '/status/200',
  method: 'GET',
  intervalMs: HOUR_MS, // rounds run only when the test runs the alarm
  timeoutMs: 2_000,
  expectStatus: [[200, 399]],
  bodyContains: undefined,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  ...over,
})

function spec(name: string, upstreams: Record<string, string>, policy: Partial<HealthPolicy> = {}): PoolSpec {
  return { name, upstreams: Object.entries(upstreams).map(([key, url]) => ({ key, kind: 'url', url })), policy: { ...POLICY, ...policy } }
}

const failures = (n: number, reason = 'unreachable'): OutcomeBatch => ({ successes: 0, failures: n, trailingFailures: n, latencySumMs: 0, latencyCount: 0, lastFailure: reason })
const successes = (n: number, latencyMs = 20): OutcomeBatch => ({ successes: n, failures: 0, trailingFailures: 0, latencySumMs: n * latencyMs, latencyCount: n })

/**
 * Configure the object with `s`, holding its first probe round (due 10 ms after a new spec) so the
 * test runs each round itself with runDurableObjectAlarm.
 */
async function configure(stub: DurableObjectStub<UpstreamHealth>, s: PoolSpec): Promise<HealthView> {
  return runInDurableObject(stub, async (obj: UpstreamHealth, state) => {
    const view = await obj.snapshot(s)
    if (s.policy.active) await state.storage.setAlarm(Date.now() + HOUR_MS)
    return view
  })
}

/** Run `n` probe rounds, then the health as the object answers it. */
async function probeRounds(stub: DurableObjectStub<UpstreamHealth>, s: PoolSpec, n: number): Promise<HealthView> {
  for (let i = 0; i < n; i++) expect(await runDurableObjectAlarm(stub)).toBe(true)
  return stub.snapshot(s)
}

describe('the UpstreamHealth object: passive health', () => {
  it('ejects an upstream once isolates have reported consecutiveFailures failures in a row, and says so in snapshots', async () => {
    const stub = objectFor('passive-eject')
    const s = spec('passive-eject', { a: `${ORIGIN_URL}/echo/a`, b: `${ORIGIN_URL}/echo/b` })
    const before = Date.now()
    let view = await stub.report(s, { a: failures(2), b: successes(4) })
    expect(view.upstreams.a).toMatchObject({ available: true, consecutiveFailures: 2 })
    // Another isolate saw the third failure in a row.
    view = await stub.report(s, { a: failures(1, 'timeout') })
    expect(view.upstreams.a).toMatchObject({ available: false, requests: 3, failures: 3, lastFailure: 'timeout' })
    expect(view.upstreams.a?.ejectedUntil).toBeGreaterThanOrEqual(before + 30_000)
    expect(view.upstreams.b).toMatchObject({ available: true, requests: 4, failures: 0, latencyEwmaMs: 20 })
    expect(view.nextRecoveryAt).toBe(view.upstreams.a?.ejectedUntil)
    expect((await stub.snapshot(s)).upstreams.a?.available).toBe(false)
  })

  it('forgets a run of failures when a report brings a success after them', async () => {
    const stub = objectFor('passive-reset')
    const s = spec('passive-reset', { a: `${ORIGIN_URL}/echo/a`, b: `${ORIGIN_URL}/echo/b` })
    await stub.report(s, { a: failures(2) })
    await stub.report(s, { a: { successes: 1, failures: 2, trailingFailures: 0, latencySumMs: 0, latencyCount: 0 } })
    const view = await stub.report(s, { a: failures(2) })
    expect(view.upstreams.a).toMatchObject({ available: true, consecutiveFailures: 2 })
  })

  it('keeps its health in storage: an evicted object comes back with the ejection', async () => {
    const stub = objectFor('passive-stored')
    const s = spec('passive-stored', { a: `${ORIGIN_URL}/echo/a`, b: `${ORIGIN_URL}/echo/b` })
    const ejected = await stub.report(s, { a: failures(3) })
    await evictDurableObject(stub)
    const view = await stub.snapshot(s)
    expect(view.upstreams.a).toMatchObject({ available: false, ejectedUntil: ejected.upstreams.a?.ejectedUntil, failures: 3 })
    const stored = await runInDurableObject(stub, (_obj, state) => state.storage.get<{ spec: PoolSpec }>('health'))
    expect(stored?.spec).toEqual(s)
  })

  it('reconciles a changed pool: keeps the health of upstreams still listed, drops removed ones, starts new ones healthy', async () => {
    const stub = objectFor('reconcile')
    await stub.report(spec('reconcile', { a: DEAD, b: `${ORIGIN_URL}/echo/b` }), { a: failures(3), b: failures(3) })
    const view = await stub.snapshot(spec('reconcile', { a: DEAD, c: `${ORIGIN_URL}/echo/c` }))
    expect(Object.keys(view.upstreams).sort()).toEqual(['a', 'c'])
    expect(view.upstreams.a?.available).toBe(false)
    expect(view.upstreams.c).toMatchObject({ available: true, requests: 0 })
  })
})

describe('the UpstreamHealth object: active probes', () => {
  it('marks upstreams down after unhealthyThreshold failed rounds and back up after healthyThreshold passing ones', async () => {
    const stub = objectFor('probes')
    const upstreams = { a: ORIGIN_URL, b: `http://localhost:${testEnv.ORIGIN_PORT}`, dead: DEAD }
    // The health endpoint answers 500...
    const failing = spec('probes', upstreams, { active: check({ path: '/status/500', unhealthyThreshold: 2, healthyThreshold: 2 }) })
    await configure(stub, failing)
    let view = await probeRounds(stub, failing, 1)
    expect(Object.values(view.upstreams).map((u) => u.available)).toEqual([true, true, true])
    view = await probeRounds(stub, failing, 1)
    expect(view.upstreams.a).toMatchObject({ available: false, probeHealthy: false, lastFailure: 'probe status 500' })
    expect(view.upstreams.b?.available).toBe(false)
    expect(view.upstreams.dead).toMatchObject({ available: false, lastFailure: expect.stringMatching(/^probe error/) as unknown as string })
    expect(view.nextRecoveryAt).toBeUndefined() // only passing probes bring them back

    // ...then 200 again: the same upstreams, the health kept across the change.
    const passing = spec('probes', upstreams, { active: check({ path: '/status/200', unhealthyThreshold: 2, healthyThreshold: 2 }) })
    await configure(stub, passing)
    view = await probeRounds(stub, passing, 1)
    expect(view.upstreams.a?.available).toBe(false)
    view = await probeRounds(stub, passing, 1)
    expect(view.upstreams.a).toMatchObject({ available: true, probeHealthy: true })
    expect(view.upstreams.a?.latencyEwmaMs).toBeGreaterThanOrEqual(0)
    expect(view.upstreams.b?.available).toBe(true)
    expect(view.upstreams.dead?.available).toBe(false)
  })

  it.each<[string, Partial<ActiveCheck>, boolean, string | undefined]>([
    ['a body with the expected text', { path: '/status/200', bodyContains: 'status 200 from integration' }, true, undefined],
    ['a body without it', { path: '/status/200', bodyContains: 'all systems go' }, false, 'probe body did not match'],
    ['a 404 listed in expectStatus', { path: '/status/404', expectStatus: [[200, 299], [404, 404]] }, true, undefined],
    ['a 404 not listed', { path: '/status/404' }, false, 'probe status 404'],
    ['a 3xx, healthy by default', { path: '/status/301' }, true, undefined],
    ['an answer slower than timeoutMs', { path: '/slow?ms=3000', timeoutMs: 200 }, false, 'probe timeout'],
    ['HEAD', { path: '/status/200', method: 'HEAD' }, true, undefined],
  ])('judges %s', async (_what, over, healthy, failure) => {
    const name = `judge-${_what.replace(/\W+/g, '-')}`
    const stub = objectFor(name)
    const s = spec(name, { a: ORIGIN_URL }, { active: check({ unhealthyThreshold: 1, ...over }) })
    await configure(stub, s)
    const view = await probeRounds(stub, s, 1)
    expect(view.upstreams.a?.available).toBe(healthy)
    expect(view.upstreams.a?.lastFailure).toBe(failure)
  })

  it('ends a passive ejection early once the probes bring the upstream back', async () => {
    const stub = objectFor('probe-ends-ejection')
    const down = spec('probe-ends-ejection', { a: ORIGIN_URL, b: `http://localhost:${testEnv.ORIGIN_PORT}` }, { active: check({ path: '/status/503', unhealthyThreshold: 1, healthyThreshold: 1 }) })
    await configure(stub, down)
    await stub.report(down, { a: failures(3) })
    expect((await probeRounds(stub, down, 1)).upstreams.a?.probeHealthy).toBe(false)
    const up = { ...down, policy: { ...down.policy, active: check({ path: '/status/200', unhealthyThreshold: 1, healthyThreshold: 1 }) } }
    await configure(stub, up)
    const view = await probeRounds(stub, up, 1)
    expect(view.upstreams.a?.available).toBe(true)
    expect(view.upstreams.a?.ejectedUntil).toBeLessThanOrEqual(Date.now())
  })

  it('schedules the next round intervalMs after each one, and stops when active checks are removed', async () => {
    const stub = objectFor('probe-schedule')
    const s = spec('probe-schedule', { a: ORIGIN_URL }, { active: check({ intervalMs: HOUR_MS }) })
    await configure(stub, s)
    await probeRounds(stub, s, 1)
    const next = await runInDurableObject(stub, (_obj, state) => state.storage.getAlarm())
    expect(next).toBeGreaterThan(Date.now() + HOUR_MS - 60_000)
    await stub.snapshot({ ...s, policy: { ...s.policy, active: undefined } })
    expect(await runDurableObjectAlarm(stub)).toBe(false)
  })

  it('stops probing a pool nobody has asked about for 15 minutes (its config is gone)', async () => {
    const stub = objectFor('probe-idle')
    const s = spec('probe-idle', { a: ORIGIN_URL }, { active: check({ unhealthyThreshold: 1, path: '/status/500' }) })
    await configure(stub, s)
    await runInDurableObject(stub, async (_obj, state) => {
      const stored = await state.storage.get<{ lastAskedAt: number }>('health')
      await state.storage.put('health', { ...stored, lastAskedAt: Date.now() - 16 * 60_000 })
    })
    await evictDurableObject(stub) // the object reads its storage again
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await runDurableObjectAlarm(stub)).toBe(false) // no next round was scheduled
    const stored = await runInDurableObject(stub, (_obj, state) => state.storage.get<{ state: Record<string, { probeHealthy: boolean }> }>('health'))
    expect(stored?.state.a?.probeHealthy).toBe(true) // and that round probed nothing
  })
})

/** Through the whole Worker, waiting for its background work (health reports) to finish. */
async function request(url: string, bindings: PorticoEnv, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(url, init), bindings, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

describe('when upstreams are out (through the Worker)', () => {
  it('answers 503 with Retry-After, at once, when every upstream is out and panic is false', async () => {
    const env = withConfig({
      pools: { gone: { upstreams: [DEAD, DEAD_TOO], panic: false, health: { passive: { consecutiveFailures: 1, maxEjectedPercent: 100, baseEjectionMs: 5_000 } } } },
      routes: [{ pool: 'gone' }],
    })
    const first = await request('https://www.example.com/x', env)
    expect(first.status).toBe(502) // both tried, both refused
    await first.body?.cancel()
    const res = await request('https://www.example.com/x', env, { headers: { accept: 'application/json' } })
    expect(res.status).toBe(503)
    const seconds = Number(res.headers.get('retry-after'))
    expect(seconds).toBeGreaterThanOrEqual(1)
    expect(seconds).toBeLessThanOrEqual(5)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:no-healthy-upstream', status: 503 })
  })

  it('tries every upstream anyway when all are out (panic), and serves one that answers again', async () => {
    const env = withConfig({
      pools: { flaky: { upstreams: [`${ORIGIN_URL}/status`, `http://localhost:${testEnv.ORIGIN_PORT}/status`], health: { passive: { consecutiveFailures: 1, maxEjectedPercent: 100 } } } },
      routes: [{ pool: 'flaky' }],
    })
    const failing = await request('https://www.example.com/503', env)
    expect(failing.status).toBe(503) // the origin's own 503, after both were tried
    expect(await failing.text()).toBe('status 503 from integration\n')
    // Both are ejected now; with panic on, Portico still tries them, and they answer.
    const res = await request('https://www.example.com/200', env)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('status 200 from integration\n')
  })

  it('answers 503 with Retry-After when every upstream is out and panic finds them all still failing', async () => {
    const env = withConfig({
      pools: { dead: { upstreams: [DEAD, DEAD_TOO], health: { passive: { consecutiveFailures: 1, maxEjectedPercent: 100, baseEjectionMs: 10_000 } } } },
      routes: [{ pool: 'dead' }],
    })
    await (await request('https://www.example.com/x', env)).body?.cancel()
    const res = await request('https://www.example.com/x', env)
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    await res.body?.cancel()
  })

  it('serves from the backup pool when the primary has nothing available', async () => {
    const env = withConfig({
      pools: {
        primary: { upstreams: [DEAD, DEAD_TOO], backup: 'dr', panic: false, health: { passive: { consecutiveFailures: 1, maxEjectedPercent: 100 } } },
        dr: { upstreams: [`${ORIGIN_URL}/echo/dr`] },
      },
      routes: [{ pool: 'primary' }],
    })
    // The first GET finds both primaries refusing and goes on to the backup.
    const first = await request('https://www.example.com/page', env)
    expect(first.status).toBe(200)
    expect((await echoOf(first)).url).toBe('/echo/dr/page')
    // Now the primaries are out: even a POST (never retried) goes straight to the backup.
    const post = await request('https://www.example.com/form', env, { method: 'POST', body: 'a=1' })
    expect(post.status).toBe(200)
    expect(await echoOf(post)).toMatchObject({ method: 'POST', url: '/echo/dr/form', bodyBytes: 3 })
  })
})

describe('coming back from an outage (through the Worker)', () => {
  /** Set the object's probe verdict on `keys`, as failing or passing probe rounds would, and make it reread its storage. */
  async function markProbes(stub: DurableObjectStub<UpstreamHealth>, keys: string[], healthy: boolean): Promise<void> {
    await runInDurableObject(stub, async (_obj, state) => {
      const stored = await state.storage.get<{ state: Record<string, { probeHealthy: boolean; probeStreak: number }> }>('health')
      if (!stored) throw new Error('the object has no state yet')
      for (const k of keys) stored.state[k] = { ...(stored.state[k] as { probeHealthy: boolean; probeStreak: number }), probeHealthy: healthy, probeStreak: healthy ? 1 : -1 }
      await state.storage.put('health', stored)
      await state.storage.setAlarm(Date.now() + HOUR_MS) // no real probe round in between
    })
    await evictDurableObject(stub)
  }

  it('goes back to the primary pool once its probes pass again, not only to the backup for good', async () => {
    const primary = [`${ORIGIN_URL}/echo/m1`, `${ORIGIN_URL}/echo/m2`]
    const env = withConfig({
      pools: {
        failback: { upstreams: primary, backup: 'failback-dr', health: { active: { path: '/healthz', intervalMs: HOUR_MS } } },
        'failback-dr': { upstreams: [`${ORIGIN_URL}/echo/dr`] },
      },
      routes: [{ pool: 'failback' }],
    })
    const loaded = loadConfig(env)
    const health = loaded.ok ? loaded.config.pools.get('failback')?.health : undefined
    if (!health) throw new Error('the pool should be tracked')
    const stub = objectFor('failback')
    await configure(stub, health)
    await markProbes(stub, primary, false)
    const servedBy = async () => (await echoOf(await request('https://www.example.com/x', env))).url.split('/')[2]

    // The isolate has not asked the object yet: its first request goes to the primary, and it asks.
    expect(await servedBy()).toMatch(/^m[12]$/)
    expect(await servedBy()).toBe('dr')

    // The primary's probes pass again. Once the isolate's snapshot is old enough to refresh, the
    // primary serves again (the refresh runs after the response that noticed it was due).
    await markProbes(stub, primary, true)
    await new Promise((resolve) => setTimeout(resolve, SNAPSHOT_TTL_MS + 200))
    const after = [await servedBy(), await servedBy(), await servedBy()]
    expect(after.slice(1)).toEqual([expect.stringMatching(/^m[12]$/), expect.stringMatching(/^m[12]$/)])
  })
})

describe('GET /_portico/pools', () => {
  const TOKEN = 'test-admin-token-0123456789'

  it('lists each pool with its upstreams and their health as the health object holds it', async () => {
    const env = withConfig(
      {
        pools: {
          shop: { upstreams: [DEAD, { url: `${ORIGIN_URL}/echo/shop`, weight: 2 }], algorithm: 'round-robin', backup: 'static', health: { passive: { consecutiveFailures: 1 } } },
          static: { upstreams: [`${ORIGIN_URL}/echo/static`] },
        },
        routes: [{ pool: 'shop' }],
      },
      { ADMIN_TOKEN: TOKEN },
    )
    // Round robin starts on the dead upstream; the GET is retried on the live one.
    const res = await request('https://www.example.com/cart', env)
    expect((await echoOf(res)).url).toBe('/echo/shop/cart')

    const admin = await request('https://www.example.com/_portico/pools', env, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(admin.status).toBe(200)
    expect(admin.headers.get('cache-control')).toBe('no-store')
    const { pools } = (await admin.json()) as { pools: Array<Record<string, unknown> & { upstreams: Array<Record<string, unknown>> }> }
    expect(pools.map((p) => p.name)).toEqual(['shop', 'static'])
    const [shop, stat] = pools
    expect(shop).toMatchObject({ name: 'shop', algorithm: 'round-robin', backup: 'static', panic: true, activeChecks: null })
    expect(shop?.upstreams).toEqual([
      expect.objectContaining({ key: DEAD, weight: 1, available: false, requests: 1, failures: 1, lastFailure: 'unreachable', inFlightHere: 0 }),
      expect.objectContaining({ key: `${ORIGIN_URL}/echo/shop`, weight: 2, available: true, requests: 1, failures: 0, inFlightHere: 0 }),
    ])
    expect(stat).toMatchObject({ name: 'static', backup: null, health: 'not tracked (one upstream, no active checks)', upstreams: [{ key: `${ORIGIN_URL}/echo/static`, weight: 1 }] })
  })

  it('needs the admin token', async () => {
    const env = withConfig({ pools: { p: { upstreams: [DEAD, DEAD_TOO] } }, routes: [{ pool: 'p' }] }, { ADMIN_TOKEN: TOKEN })
    const res = await request('https://www.example.com/_portico/pools', env)
    expect(res.status).toBe(401)
    await res.body?.cancel()
  })
})
