import { afterEach, describe, expect, it, vi } from 'vitest'
import { startJourney, type Journey } from './journey.ts'
import { emit, isLogged, requestLine } from './log.ts'
import { NO_EXTRA_REDACTION, REDACTED } from './redact.ts'

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

function journey(url: string, headers: Record<string, string> = {}, over: Partial<Journey> = {}): Journey {
  const req = new Request(url, { headers })
  return { ...startJourney(req, new URL(url), { requestId: 'req-1', traceparent: TRACE, serverTiming: false, now: Date.UTC(2026, 10, 1) }), ...over }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('requestLine', () => {
  it('has every field, null when not known, so every line has the same keys', () => {
    const line = requestLine(journey('https://shop.example/cart?x=1'), NO_EXTRA_REDACTION)
    expect(line).toEqual({
      level: 'info',
      message: 'request',
      time: '2026-11-01T00:00:00.000Z',
      requestId: 'req-1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      method: 'GET',
      host: 'shop.example',
      path: '/cart',
      query: '?x=1',
      status: null,
      route: null,
      pool: null,
      upstream: null,
      attempts: 0,
      cache: null,
      cacheStatus: null,
      variant: null,
      rateLimit: null,
      rateLimitRule: null,
      durationMs: null,
      upstreamMs: null,
      cacheMs: null,
      colo: null,
    })
  })

  it('carries what the stages noted', () => {
    const j = journey('https://shop.example/api/items', {}, {
      status: 200,
      route: 'api',
      pool: 'web',
      upstream: 'https://origin-a.example',
      attempts: 2,
      cacheStatus: 'portico; fwd=uri-miss; stored',
      variant: 'checkout=b',
      rateLimit: { decision: 'logged', rule: 'per-ip' },
      durationMs: 31,
      upstreamMs: 29,
      cacheMs: 30,
    })
    expect(requestLine(j, NO_EXTRA_REDACTION)).toMatchObject({ status: 200, route: 'api', pool: 'web', upstream: 'https://origin-a.example', attempts: 2, cache: 'miss', variant: 'checkout=b', rateLimit: 'logged', rateLimitRule: 'per-ip', durationMs: 31, upstreamMs: 29, cacheMs: 30 })
  })

  it('is a warning for a 5xx answer', () => {
    expect(requestLine(journey('https://a.example/', {}, { status: 502 }), NO_EXTRA_REDACTION).level).toBe('warn')
    expect(requestLine(journey('https://a.example/', {}, { status: 429 }), NO_EXTRA_REDACTION).level).toBe('info')
  })

  it('hides secrets in the query', () => {
    const line = requestLine(journey('https://a.example/cb?code=xyz&token=abc&page=2'), NO_EXTRA_REDACTION)
    expect(line.query).toBe(`?code=${REDACTED}&token=${REDACTED}&page=2`)
  })

  it('adds the request headers at debug level, credentials hidden', () => {
    const j = journey('https://a.example/', { authorization: 'Bearer s3cret', cookie: 'sid=s3cret', 'x-api-key': 's3cret', accept: 'application/json' })
    const line = requestLine(j, NO_EXTRA_REDACTION, j.requestHeaders)
    expect(line.requestHeaders).toEqual({ authorization: REDACTED, cookie: REDACTED, 'x-api-key': REDACTED, accept: 'application/json' })
    expect(JSON.stringify(line)).not.toContain('s3cret')
  })
})

describe('emit', () => {
  it.each([
    ['debug', 'debug', true],
    ['debug', 'info', false],
    ['info', 'info', true],
    ['warn', 'info', true],
    ['info', 'warn', false],
    ['warn', 'warn', true],
    ['warn', 'error', false],
    ['error', 'off', false],
  ] as const)('a %s line at threshold %s is written: %s', (level, threshold, want) => {
    expect(isLogged(level, threshold)).toBe(want)
  })

  it('writes one JSON line: info to console.log, warn to console.warn', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    emit({ level: 'info' }, 'info')
    emit({ level: 'warn' }, 'info')
    emit({ level: 'info' }, 'off')
    expect(log.mock.calls).toEqual([['{"level":"info"}']])
    expect(warn.mock.calls).toEqual([['{"level":"warn"}']])
  })
})
