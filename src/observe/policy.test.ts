import { describe, expect, it } from 'vitest'
import { dataPointOf } from './analytics.ts'
import { startJourney } from './journey.ts'
import { compileObservability } from './policy.ts'

describe('compileObservability', () => {
  it('has safe defaults: info logs, Server-Timing only on request with the token, metrics on', () => {
    const p = compileObservability()
    expect(p).toMatchObject({ logLevel: 'info', serverTiming: 'on-request', debugHeader: 'portico-debug', metrics: true, metricsFlushMs: 5000 })
    expect([...p.redaction.headers]).toEqual(['portico-debug'])
  })

  it('redacts a renamed debug header, and the names config adds, in lower case', () => {
    const p = compileObservability({ debugHeader: 'X-Ops-Debug', redactHeaders: ['X-Tenant'], redactQuery: ['Email'] })
    expect(p.debugHeader).toBe('x-ops-debug')
    expect([...p.redaction.headers]).toEqual(['x-ops-debug', 'x-tenant'])
    expect([...p.redaction.query]).toEqual(['email'])
  })
})

describe('dataPointOf', () => {
  it('keeps the dataset\'s column order and Analytics Engine\'s 96-byte index limit', () => {
    const url = 'https://shop.example/x'
    const j = { ...startJourney(new Request(url), new URL(url), { requestId: 'r', traceparent: '', serverTiming: false, now: 0 }), route: 'é'.repeat(60), status: 404, durationMs: 7, attempts: 1 }
    const p = dataPointOf(j)
    expect(new TextEncoder().encode(p.indexes?.[0] as string).byteLength).toBeLessThanOrEqual(96)
    expect(p.indexes?.[0]).toBe('é'.repeat(48))
    expect(p.blobs?.slice(7)).toEqual(['GET', 'shop.example', '', '4xx'])
    expect(p.doubles).toEqual([404, 7, 0, 0, 1])
  })
})
