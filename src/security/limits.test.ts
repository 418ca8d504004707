import { describe, expect, it } from 'vitest'
import { checkLimits, DEFAULT_LIMITS, type LimitsPolicy } from './limits.ts'

const policy = (over: Partial<LimitsPolicy> = {}): LimitsPolicy => ({ ...DEFAULT_LIMITS, maxBodyBytes: undefined, methods: undefined, ...over })
const check = (over: Partial<LimitsPolicy>, req: { method?: string; target?: string; headers?: HeadersInit }) =>
  checkLimits({ method: req.method ?? 'GET', target: req.target ?? '/', headers: new Headers(req.headers) }, policy(over))

describe('request limits', () => {
  it('lets an ordinary request through', () => {
    expect(check({}, { target: '/a?b=c', headers: { accept: '*/*', 'user-agent': 'curl/8' } })).toBeUndefined()
  })

  it('answers 414 to a request target past maxUrlBytes, counting bytes, not characters', () => {
    expect(check({ maxUrlBytes: 100 }, { target: '/' + 'a'.repeat(99) })).toBeUndefined()
    expect(check({ maxUrlBytes: 100 }, { target: '/' + 'a'.repeat(100) })?.status).toBe(414)
    expect(check({ maxUrlBytes: 100 }, { target: '/' + 'é'.repeat(50) })?.status).toBe(414)
  })

  it('answers 431 past maxHeaderCount or maxHeaderBytes', () => {
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`x-h${i}`, '1']))
    expect(check({ maxHeaderCount: 11 }, { headers: many })).toBeUndefined()
    expect(check({ maxHeaderCount: 10 }, { headers: many })?.status).toBe(431)
    expect(check({ maxHeaderBytes: 1024 }, { headers: { 'x-big': 'v'.repeat(1100) } })?.status).toBe(431)
    expect(check({ maxHeaderBytes: 1024 }, { headers: { 'x-big': 'v'.repeat(900) } })).toBeUndefined()
  })

  it('answers 413 to a declared Content-Length past maxBodyBytes, before reading anything', () => {
    expect(check({ maxBodyBytes: 10 }, { method: 'POST', headers: { 'content-length': '11' } })?.status).toBe(413)
    expect(check({ maxBodyBytes: 10 }, { method: 'POST', headers: { 'content-length': '10' } })).toBeUndefined()
    expect(check({}, { method: 'POST', headers: { 'content-length': '999999999999' } })).toBeUndefined()
  })

  it('answers 405 with Allow to a method the route does not accept', () => {
    const v = check({ methods: new Set(['GET', 'HEAD']) }, { method: 'DELETE' })
    expect(v?.status).toBe(405)
    expect(v?.headers).toEqual({ Allow: 'GET, HEAD' })
    expect(check({ methods: new Set(['GET']) }, { method: 'GET' })).toBeUndefined()
  })
})
