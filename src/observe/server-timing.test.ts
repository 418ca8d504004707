import { describe, expect, it } from 'vitest'
import { startJourney, type Journey } from './journey.ts'
import { metric, serverTimingValue, wantsServerTiming } from './server-timing.ts'

const journey = (over: Partial<Journey> = {}): Journey => ({
  ...startJourney(new Request('https://example.com/a'), new URL('https://example.com/a'), { requestId: 'r', traceparent: '', serverTiming: true, now: 0 }),
  ...over,
})

describe('serverTimingValue', () => {
  it('names edge, cache (its own time, upstream excluded) and upstream (pool and attempts)', () => {
    const j = journey({ durationMs: 42, cacheMs: 40, upstreamMs: 37, attempts: 1, pool: 'web', cacheStatus: 'portico; fwd=uri-miss; stored' })
    expect(serverTimingValue(j)).toBe('edge;dur=42, cache;dur=3;desc="miss", upstream;dur=37;desc="web, 1 attempt"')
  })

  it('has no upstream metric for a hit', () => {
    expect(serverTimingValue(journey({ durationMs: 2, cacheMs: 1, cacheStatus: 'portico; hit; ttl=50' }))).toBe('edge;dur=2, cache;dur=1;desc="hit"')
  })

  it('has no cache metric for a route without a cache', () => {
    const j = journey({ durationMs: 20, cacheMs: 19, upstreamMs: 19, attempts: 3, pool: 'api', cacheStatus: 'portico; fwd=bypass; detail=cache-off' })
    expect(serverTimingValue(j)).toBe('edge;dur=20, upstream;dur=19;desc="api, 3 attempts"')
  })

  it('never names an upstream address', () => {
    const j = journey({ durationMs: 5, upstreamMs: 4, attempts: 1, pool: 'web', upstream: 'http://10.0.0.7:8080' })
    expect(serverTimingValue(j)).not.toContain('10.0.0.7')
  })
})

describe('metric', () => {
  it.each([
    [['edge', 12.345], 'edge;dur=12.3'],
    [['edge', undefined], 'edge'],
    [['cache', 0, 'hit'], 'cache;dur=0;desc="hit"'],
    [['x', 1, 'say "hi"\\now'], 'x;dur=1;desc="say \\"hi\\"\\\\now"'], // quoted-string escapes
    [['x', 1, 'two\r\nlines'], 'x;dur=1;desc="two  lines"'],
  ] as const)('writes %j as %s', (args, want) => {
    expect(metric(...(args as unknown as [string, number | undefined, string?]))).toBe(want)
  })
})

describe('wantsServerTiming', () => {
  it.each([
    ['always', null, undefined, true],
    ['off', 'tok', 'tok', false],
    ['on-request', 'tok', 'tok', true],
    ['on-request', ' tok ', 'tok', true],
    ['on-request', 'wrong', 'tok', false],
    ['on-request', null, 'tok', false],
    ['on-request', 'tok', undefined, false], // no admin token: nobody can ask
    ['on-request', '', '', false],
  ] as const)('mode %s with header %j and token %j: %s', async (mode, header, token, want) => {
    expect(await wantsServerTiming(mode, header, token)).toBe(want)
  })
})
