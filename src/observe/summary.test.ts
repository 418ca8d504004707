import { describe, expect, it } from 'vitest'
import { addSample, emptyMinute, MINUTE_MS, type MinuteAggregate, type RequestSample } from './metrics.ts'
import { summarise } from './summary.ts'

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0)

function minute(at: number, samples: RequestSample[]): MinuteAggregate {
  const agg = emptyMinute(at)
  for (const s of samples) addSample(agg, s)
  return agg
}

describe('summarise', () => {
  it('has one point per minute of the window, empty minutes included, oldest first', () => {
    const r = summarise([minute(T0, [{ status: 200, durationMs: 5 }])], T0 + 2 * MINUTE_MS + 5_000, 5)
    expect(r.series.map((p) => p.minute)).toEqual([-2, -1, 0, 1, 2].map((m) => new Date(T0 + m * MINUTE_MS).toISOString()))
    expect(r.series.map((p) => p.requests)).toEqual([0, 0, 1, 0, 0])
    expect(r.series[0]).toMatchObject({ p50: null, p95: null, p99: null })
  })

  it('leaves out minutes before the window', () => {
    const r = summarise([minute(T0, [{ status: 200, durationMs: 5 }]), minute(T0 + 10 * MINUTE_MS, [{ status: 200, durationMs: 5 }])], T0 + 10 * MINUTE_MS, 5)
    expect(r.totals.requests).toBe(1)
  })

  it('adds up windows of the same minute from several batches', () => {
    const r = summarise([minute(T0, [{ status: 200, durationMs: 5 }]), minute(T0, [{ status: 500, durationMs: 5 }])], T0, 1)
    expect(r.totals).toMatchObject({ requests: 2, errors: 1, errorRate: 0.5 })
  })

  it('reads the hit ratio from hits, stale and revalidated answers against misses; bypasses do not count', () => {
    const s = (cache: RequestSample['cache']): RequestSample => ({ status: 200, durationMs: 1, cache })
    const r = summarise([minute(T0, [s('hit'), s('hit'), s('stale'), s('revalidated'), s('miss'), s('bypass'), s('bypass')])], T0, 1)
    expect(r.totals.hitRatio).toBe(0.8)
    expect(r.series[0]).toMatchObject({ hits: 4, misses: 1 })
    expect(r.cache).toEqual({ hit: 2, stale: 1, revalidated: 1, miss: 1, bypass: 2 })
  })

  it('has no ratios without traffic', () => {
    const r = summarise([], T0, 60)
    expect(r.totals).toMatchObject({ requests: 0, errorRate: null, hitRatio: null, latencyMs: { p50: null, p95: null, p99: null } })
    expect(r.series).toHaveLength(60)
  })

  it('shows experiment splits as shares of their exposures', () => {
    const v = (variant: string): RequestSample => ({ status: 200, durationMs: 1, variant })
    const r = summarise([minute(T0, [v('checkout=a'), v('checkout=a'), v('checkout=a'), v('checkout=b')])], T0, 1)
    expect(r.experiments).toEqual([{ name: 'checkout', exposures: 4, variants: [{ name: 'a', exposures: 3, share: 0.75 }, { name: 'b', exposures: 1, share: 0.25 }] }])
  })

  it('counts refusals (429 and failing closed) as rate-limited, per rule', () => {
    const d = (decision: 'allowed' | 'rejected' | 'logged' | 'failed-closed', rule?: string): RequestSample => ({ status: 200, durationMs: 1, rateLimit: { decision, rule } })
    const r = summarise([minute(T0, [d('allowed'), d('rejected', 'login'), d('rejected', 'login'), d('failed-closed', 'api'), d('logged', 'api')])], T0, 1)
    expect(r.totals).toMatchObject({ rateChecked: 5, rateLimited: 3 })
    expect(r.series[0]?.rateLimited).toBe(3)
    expect(r.rateLimits).toEqual([
      { rule: 'api', rejected: 0, logged: 1, failedOpen: 0, failedClosed: 1 },
      { rule: 'login', rejected: 2, logged: 0, failedOpen: 0, failedClosed: 0 },
    ])
  })

  it('lists routes and upstreams busiest first, with their percentiles', () => {
    const r = summarise(
      [minute(T0, [{ status: 200, durationMs: 5, route: 'a' }, { status: 200, durationMs: 5, route: 'b', pool: 'p', upstream: 'u1', upstreamMs: 4 }, { status: 200, durationMs: 5, route: 'b' }])],
      T0,
      1,
    )
    expect(r.routes.map((x) => x.name)).toEqual(['b', 'a'])
    expect(r.upstreams).toEqual([{ key: 'u1', pool: 'p', requests: 1, errors: 0, latencyMs: { p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) } }])
  })
})
