import { describe, expect, it } from 'vitest'
import { corsResponseHeaders, isAllowedOrigin, isPreflight, preflightResponse, type CorsPolicy } from './cors.ts'

const policy: CorsPolicy = { origins: ['https://app.example.test', 'https://*.example.org'], anyOrigin: false, methods: ['GET', 'POST'], allowHeaders: undefined, exposeHeaders: ['x-total'], credentials: true, maxAgeSeconds: 600 }
const preflight = (origin: string, method = 'POST', headers = 'content-type, x-token') =>
  new Headers({ origin, 'access-control-request-method': method, 'access-control-request-headers': headers })

describe('allowed origins', () => {
  it('allows listed origins and subdomains of a wildcard, nothing else', () => {
    expect(isAllowedOrigin('https://app.example.test', policy)).toBe(true)
    expect(isAllowedOrigin('https://a.b.example.org', policy)).toBe(true)
    expect(isAllowedOrigin('https://example.org', policy)).toBe(false)
    expect(isAllowedOrigin('https://evilexample.org', policy)).toBe(false)
    expect(isAllowedOrigin('http://a.example.org', policy)).toBe(false)
    expect(isAllowedOrigin('https://app.example.test.evil.example', policy)).toBe(false)
    expect(isAllowedOrigin('null', policy)).toBe(false)
    expect(isAllowedOrigin(null, policy)).toBe(false)
  })
})

describe('preflight', () => {
  it('answers an allowed preflight with the grant', () => {
    expect(isPreflight('OPTIONS', preflight('https://app.example.test'))).toBe(true)
    const res = preflightResponse(preflight('https://app.example.test'), policy)
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.test')
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST')
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-token')
    expect(res.headers.get('access-control-max-age')).toBe('600')
  })

  it('gives no grant to another origin or method', () => {
    for (const h of [preflight('https://evil.example'), preflight('https://app.example.test', 'DELETE')]) {
      const res = preflightResponse(h, policy)
      expect(res.headers.has('access-control-allow-origin')).toBe(false)
    }
  })

  it('is not a preflight without Access-Control-Request-Method', () => {
    expect(isPreflight('OPTIONS', new Headers({ origin: 'https://app.example.test' }))).toBe(false)
  })
})

describe('actual responses', () => {
  it('replaces the origin\'s CORS headers with the route\'s, and varies on Origin', () => {
    const headers = new Headers({ 'access-control-allow-origin': '*', vary: 'Accept-Encoding' })
    corsResponseHeaders(headers, 'https://app.example.test', policy)
    expect(headers.get('access-control-allow-origin')).toBe('https://app.example.test')
    expect(headers.get('access-control-expose-headers')).toBe('x-total')
    expect(headers.get('vary')).toBe('Accept-Encoding, Origin')
  })

  it('grants nothing to an origin not listed, even if the origin server did', () => {
    const headers = new Headers({ 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' })
    corsResponseHeaders(headers, 'https://evil.example', policy)
    expect(headers.has('access-control-allow-origin')).toBe(false)
    expect(headers.has('access-control-allow-credentials')).toBe(false)
  })

  it('answers "*" for any origin without credentials', () => {
    const headers = new Headers()
    corsResponseHeaders(headers, 'https://anyone.example', { ...policy, anyOrigin: true, credentials: false })
    expect(headers.get('access-control-allow-origin')).toBe('*')
  })
})
