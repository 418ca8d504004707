import { describe, expect, it } from 'vitest'
import { isValidTraceparent, newTraceparent, propagateTraceContext } from './traceparent.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'

/** Deterministic "random" bytes: 0x01, 0x02, ... */
const counting = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i + 1) & 0xff)
const zeros = (n: number) => new Uint8Array(n)

describe('isValidTraceparent', () => {
  it.each([
    [`00-${TRACE}-${PARENT}-01`, true],
    [`00-${TRACE}-${PARENT}-00`, true],
    [` 00-${TRACE}-${PARENT}-01 `, true], // surrounding whitespace is ignored
    [`01-${TRACE}-${PARENT}-01`, true], // a later version is parsed as far as it is known
    [`01-${TRACE}-${PARENT}-01-future-field`, true],
    [`ff-${TRACE}-${PARENT}-01`, false], // version ff is forbidden
    [`00-${'0'.repeat(32)}-${PARENT}-01`, false], // all-zero trace id
    [`00-${TRACE}-${'0'.repeat(16)}-01`, false], // all-zero parent id
    [`00-${TRACE}-${PARENT}-01-extra`, false], // version 00 has exactly four fields
    [`00-${TRACE.toUpperCase()}-${PARENT}-01`, false], // upper-case hex is invalid
    [`00-${TRACE}-${PARENT.toUpperCase()}-01`, false],
    [`00-${TRACE.slice(1)}-${PARENT}-01`, false], // short trace id
    [`00-${TRACE}-${PARENT}-1`, false],
    [`00-${TRACE}-${PARENT}-01x`, false],
    [`0g-${TRACE}-${PARENT}-01`, false],
    ['', false],
    ['garbage', false],
  ])('judges %j valid: %s', (value, want) => {
    expect(isValidTraceparent(value)).toBe(want)
  })
})

describe('newTraceparent', () => {
  it('writes version 00, 32 + 16 lower-case hex digits from 24 random bytes in order, flags 00', () => {
    const value = newTraceparent(counting)
    expect(value).toBe('00-0102030405060708090a0b0c0d0e0f10-1112131415161718-00')
    expect(isValidTraceparent(value)).toBe(true)
  })

  it('never produces an all-zero id, even from all-zero random bytes', () => {
    const value = newTraceparent(zeros)
    expect(value).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/)
    expect(isValidTraceparent(value)).toBe(true)
  })
})

describe('propagateTraceContext', () => {
  it('passes a valid traceparent and its tracestate on unchanged', () => {
    const h = new Headers({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=abc' })
    propagateTraceContext(h, counting)
    expect(h.get('traceparent')).toBe(`00-${TRACE}-${PARENT}-01`)
    expect(h.get('tracestate')).toBe('vendor=abc')
  })

  it('replaces an invalid traceparent with a new trace and drops the orphaned tracestate', () => {
    const h = new Headers({ traceparent: `ff-${TRACE}-${PARENT}-01`, tracestate: 'vendor=abc' })
    propagateTraceContext(h, counting)
    expect(h.get('traceparent')).toBe(newTraceparent(counting))
    expect(h.has('tracestate')).toBe(false)
  })

  it('starts a trace when there is none, dropping a tracestate sent alone', () => {
    const h = new Headers({ tracestate: 'vendor=abc' })
    propagateTraceContext(h, counting)
    expect(isValidTraceparent(h.get('traceparent') ?? '')).toBe(true)
    expect(h.has('tracestate')).toBe(false)
  })
})
