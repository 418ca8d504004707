import { describe, expect, it } from 'vitest'
import { hstsValue, httpsRedirect, originSignature, shieldResponseHeaders, type ShieldPolicy } from './shield.ts'

const policy: ShieldPolicy = { httpsRedirect: true, hsts: hstsValue(31_536_000, false, false), headers: [['x-frame-options', 'SAMEORIGIN'], ['x-content-type-options', 'nosniff']] }

describe('https redirect', () => {
  it('sends plain http to https: 301 for GET and HEAD, 308 keeping the method otherwise', () => {
    expect(httpsRedirect(new URL('http://example.test/a?b=1'), 'GET', policy)).toEqual({ location: 'https://example.test/a?b=1', status: 301 })
    expect(httpsRedirect(new URL('http://example.test:80/a'), 'POST', policy)).toEqual({ location: 'https://example.test/a', status: 308 })
    expect(httpsRedirect(new URL('http://example.test:8080/a'), 'HEAD', policy)?.location).toBe('https://example.test:8080/a')
  })

  it('leaves https alone, and http when the redirect is off', () => {
    expect(httpsRedirect(new URL('https://example.test/'), 'GET', policy)).toBeUndefined()
    expect(httpsRedirect(new URL('http://example.test/'), 'GET', { ...policy, httpsRedirect: false })).toBeUndefined()
    expect(httpsRedirect(new URL('http://example.test/'), 'GET', undefined)).toBeUndefined()
  })
})

describe('response headers', () => {
  it('sends HSTS over https only (RFC 6797 section 7.2)', () => {
    const secure = new Headers()
    shieldResponseHeaders(secure, true, policy)
    expect(secure.get('strict-transport-security')).toBe('max-age=31536000')
    const plain = new Headers()
    shieldResponseHeaders(plain, false, policy)
    expect(plain.has('strict-transport-security')).toBe(false)
    expect(hstsValue(63_072_000, true, true)).toBe('max-age=63072000; includeSubDomains; preload')
  })

  it('adds the security headers the origin did not set, and keeps those it did', () => {
    const headers = new Headers({ 'X-Frame-Options': 'DENY' })
    shieldResponseHeaders(headers, true, policy)
    expect(headers.get('x-frame-options')).toBe('DENY')
    expect(headers.get('x-content-type-options')).toBe('nosniff')
  })
})

describe('origin signature', () => {
  it('is an HMAC-SHA-256 over time, method and path, that the origin can recompute', async () => {
    const sig = await originSignature('shared-secret', 'GET', '/a?b=1', 1_700_000_000.7)
    const m = /^t=(\d+);v1=([0-9a-f]{64})$/.exec(sig)
    expect(m?.[1]).toBe('1700000000')
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('shared-secret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('1700000000\nGET\n/a?b=1')))
    expect(m?.[2]).toBe([...mac].map((b) => b.toString(16).padStart(2, '0')).join(''))
  })

  it('changes with the method, the path and the secret', async () => {
    const base = await originSignature('s', 'GET', '/a', 1)
    expect(await originSignature('s', 'POST', '/a', 1)).not.toBe(base)
    expect(await originSignature('s', 'GET', '/b', 1)).not.toBe(base)
    expect(await originSignature('t', 'GET', '/a', 1)).not.toBe(base)
  })
})
