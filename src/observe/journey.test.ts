import { describe, expect, it } from 'vitest'
import { cacheResultOf, coloOf, exposuresOf, noteRateDecision, startJourney } from './journey.ts'

describe('cacheResultOf', () => {
  it.each([
    ['portico; hit; ttl=120', 'hit'],
    ['portico; hit; ttl=120; detail=kv', 'hit'],
    ['portico; hit; ttl=-5; detail=stale-while-revalidate', 'stale'],
    ['portico; hit; ttl=-5; detail=max-stale', 'stale'],
    ['portico; hit; ttl=-5; fwd=stale; fwd-status=503; detail=stale-if-error', 'stale'],
    ['portico; fwd=stale; fwd-status=304; ttl=60', 'revalidated'],
    ['portico; fwd=stale; fwd-status=200; stored', 'miss'],
    ['portico; fwd=uri-miss; fwd-status=200; stored', 'miss'],
    ['portico; fwd=vary-miss; fwd-status=200', 'miss'],
    ['portico; fwd=bypass; detail=cookie', 'bypass'],
    ['portico; fwd=method; fwd-status=201', 'bypass'],
    ['portico; fwd=request; detail=precondition', 'bypass'],
    ['portico; fwd=bypass; detail=cache-off', undefined],
    ['portico; detail=only-if-cached', undefined],
    [null, undefined],
    ['', undefined],
  ] as const)('reads %j as %s', (value, want) => {
    expect(cacheResultOf(value)).toBe(want)
  })
})

describe('exposuresOf', () => {
  it.each([
    ['checkout=v2', [['checkout', 'v2']]],
    ['checkout=v2;banner=b', [['checkout', 'v2'], ['banner', 'b']]],
    ['', []],
    [undefined, []],
    ['broken;=x;ok=1', [['ok', '1']]],
  ] as const)('reads %j', (label, want) => {
    expect(exposuresOf(label)).toEqual(want)
  })
})

describe('noteRateDecision', () => {
  const fresh = () => startJourney(new Request('https://a.example/'), new URL('https://a.example/'), { requestId: 'r', traceparent: '', serverTiming: false, now: 0 })

  it('keeps the most telling decision of several rules', () => {
    const j = fresh()
    noteRateDecision(j, 'allowed', 'per-ip')
    expect(j.rateLimit).toEqual({ decision: 'allowed' })
    noteRateDecision(j, 'logged', 'per-key')
    noteRateDecision(j, 'allowed', 'global')
    expect(j.rateLimit).toEqual({ decision: 'logged', rule: 'per-key' })
    noteRateDecision(j, 'rejected', 'login')
    noteRateDecision(j, 'failed-open', 'other')
    expect(j.rateLimit).toEqual({ decision: 'rejected', rule: 'login' })
  })

  it('does nothing without a journey', () => {
    expect(() => noteRateDecision(undefined, 'rejected', 'x')).not.toThrow()
  })
})

describe('the colo of a journey, from CF-Ray', () => {
  it.each([
    ['8f1d2c3b4a5e6f70-AMS', 'AMS'],
    ['8f1d2c3b4a5e6f70-SJC', 'SJC'],
    ['8f1d2c3b4a5e6f70', undefined],
    ['8f1d2c3b4a5e6f70-', undefined],
    ['8f1d2c3b4a5e6f70-<script>', undefined], // a client-made value is not logged as a location
    [null, undefined],
  ])('%j → %j', (ray, colo) => {
    expect(coloOf(ray)).toBe(colo)
  })

  it('is recorded when the request arrives', () => {
    const req = new Request('https://a.example/', { headers: { 'cf-ray': '8f1d2c3b4a5e6f70-LHR' } })
    expect(startJourney(req, new URL(req.url), { requestId: 'r', traceparent: '', serverTiming: false, now: 0 }).colo).toBe('LHR')
  })
})
