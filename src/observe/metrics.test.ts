import { describe, expect, it } from 'vitest'
import { addSample, bucketOf, emptyMinute, LATENCY_BOUNDS_MS, MAX_KEYS, mergeInto, minuteOf, OTHER, percentile, type RequestSample } from './metrics.ts'

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0)
const ok = (over: Partial<RequestSample> = {}): RequestSample => ({ status: 200, durationMs: 12, ...over })

/** A histogram with `n` samples of `ms` each. */
function histogram(samples: Array<[number, number]>): number[] {
  const agg = emptyMinute(T0)
  for (const [ms, n] of samples) for (let i = 0; i < n; i++) addSample(agg, ok({ durationMs: ms }))
  return agg.latency
}

describe('minuteOf', () => {
  it('floors to the start of the minute', () => {
    expect(minuteOf(T0 + 59_999)).toBe(T0)
    expect(minuteOf(T0 + 60_000)).toBe(T0 + 60_000)
  })
})

describe('bucketOf', () => {
  it.each([
    [0, 0],
    [1, 0],
    [1.5, 1],
    [7.5, 4],
    [8, 5],
    [30_000, LATENCY_BOUNDS_MS.length - 1],
    [30_001, LATENCY_BOUNDS_MS.length],
    [1e9, LATENCY_BOUNDS_MS.length],
  ])('puts %d ms in bucket %d', (ms, want) => {
    expect(bucketOf(ms)).toBe(want)
  })
})

describe('percentile', () => {
  it('is null for no samples', () => {
    expect(percentile(histogram([]), 0.5)).toBeNull()
  })

  it('lands inside the bucket of the samples', () => {
    const h = histogram([[12, 100]]) // all in (10, 15]
    for (const q of [0.5, 0.95, 0.99]) {
      const p = percentile(h, q) as number
      expect(p).toBeGreaterThan(10)
      expect(p).toBeLessThanOrEqual(15)
    }
  })

  it('separates the tail: 95 fast and 5 slow requests', () => {
    const h = histogram([[4, 95], [800, 5]])
    expect(percentile(h, 0.5)).toBeLessThanOrEqual(5)
    expect(percentile(h, 0.95)).toBeLessThanOrEqual(5)
    expect(percentile(h, 0.99)).toBeGreaterThan(750)
    expect(percentile(h, 0.99)).toBeLessThanOrEqual(1000)
  })

  it('interpolates linearly within a bucket', () => {
    // 10 samples in (20, 30]: the median is half way through it.
    expect(percentile(histogram([[25, 10]]), 0.5)).toBe(25)
  })

  it('reads a quantile in the unbounded bucket as the largest bound', () => {
    expect(percentile(histogram([[60_000, 3]]), 0.99)).toBe(30_000)
  })
})

describe('addSample', () => {
  it('counts requests, 5xx errors, status classes, cache results and upstreams', () => {
    const agg = emptyMinute(T0)
    addSample(agg, ok({ route: 'api', pool: 'web', upstream: 'http://a', upstreamMs: 9, cache: 'miss' }))
    addSample(agg, ok({ route: 'api', cache: 'hit' }))
    addSample(agg, ok({ status: 502, route: 'api', pool: 'web', upstream: 'http://a', upstreamMs: 30 }))
    addSample(agg, ok({ status: 404 }))
    expect(agg.requests).toBe(4)
    expect(agg.errors).toBe(1)
    expect(agg.statuses).toEqual({ '2xx': 2, '4xx': 1, '5xx': 1 })
    expect(agg.cache).toEqual({ miss: 1, hit: 1 })
    expect(agg.routes.api).toMatchObject({ requests: 3, errors: 1 })
    expect(agg.upstreams['http://a']).toMatchObject({ pool: 'web', requests: 2, errors: 1 })
    // The upstream's histogram holds its own latency (9 and 30 ms), not the request's (12 ms).
    expect(agg.upstreams['http://a']?.latency[bucketOf(9)]).toBe(1)
    expect(agg.upstreams['http://a']?.latency[bucketOf(30)]).toBe(1)
  })

  it('counts exposures per experiment and variant', () => {
    const agg = emptyMinute(T0)
    addSample(agg, ok({ variant: 'checkout=a;banner=x' }))
    addSample(agg, ok({ variant: 'checkout=b' }))
    addSample(agg, ok({ variant: 'checkout=b' }))
    expect(agg.exposures).toEqual({ checkout: { a: 1, b: 2 }, banner: { x: 1 } })
  })

  it('counts rate-limit decisions per rule, and every request a rule looked at', () => {
    const agg = emptyMinute(T0)
    addSample(agg, ok({ rateLimit: { decision: 'allowed' } }))
    addSample(agg, ok({ status: 429, rateLimit: { decision: 'rejected', rule: 'login' } }))
    addSample(agg, ok({ rateLimit: { decision: 'logged', rule: 'api' } }))
    addSample(agg, ok())
    expect(agg.rateChecked).toBe(3)
    expect(agg.rateLimits).toEqual({ login: { rejected: 1 }, api: { logged: 1 } })
  })

  it(`keeps at most ${MAX_KEYS} routes a minute and counts the rest as ${OTHER}`, () => {
    const agg = emptyMinute(T0)
    for (let i = 0; i < MAX_KEYS + 20; i++) addSample(agg, ok({ route: `r${i}` }))
    expect(Object.keys(agg.routes)).toHaveLength(MAX_KEYS + 1)
    expect(agg.routes[OTHER]?.requests).toBe(20)
  })
})

describe('mergeInto', () => {
  it('adds two isolates\' minutes exactly, histograms included', () => {
    const a = emptyMinute(T0)
    const b = emptyMinute(T0)
    const both = emptyMinute(T0)
    const samples = [ok({ route: 'x', durationMs: 3, cache: 'hit' }), ok({ route: 'y', status: 503, durationMs: 900, variant: 'e=1', rateLimit: { decision: 'rejected', rule: 'r' } })]
    addSample(a, samples[0] as RequestSample)
    addSample(b, samples[1] as RequestSample)
    for (const s of samples) addSample(both, s)
    mergeInto(a, b)
    expect(a).toEqual(both)
  })
})
