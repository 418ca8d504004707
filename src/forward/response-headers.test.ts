import { describe, expect, it } from 'vitest'
import type { PathRewrite } from '../routing/index.ts'
import { cleanResponseHeaders, publicUrlFor, rewriteLocations, rewriteSetCookie, rewriteSetCookies, type UrlMapping } from './response-headers.ts'

const mapping = (over: Partial<UrlMapping> = {}): UrlMapping => ({
  upstreamOrigin: 'http://10.0.0.5:8080',
  upstreamBasePath: '',
  upstreamHostname: '10.0.0.5',
  publicOrigin: 'https://www.example.com',
  publicHostname: 'www.example.com',
  rewrite: { kind: 'none' },
  ...over,
})
const stripApi: PathRewrite = { kind: 'prefix', from: '/api', to: '' }

describe('publicUrlFor', () => {
  it.each<[string, string, Partial<UrlMapping>, string | undefined]>([
    ['an absolute URL on the upstream', 'http://10.0.0.5:8080/login', {}, 'https://www.example.com/login'],
    ['its query and fragment', 'http://10.0.0.5:8080/login?next=/a&b=1#top', {}, 'https://www.example.com/login?next=/a&b=1#top'],
    ['a scheme and host in another case', 'HTTP://10.0.0.5:8080/x', {}, 'https://www.example.com/x'],
    ['the upstream default port written out', 'https://origin.internal:443/x', { upstreamOrigin: 'https://origin.internal' }, 'https://www.example.com/x'],
    ['another origin', 'https://accounts.example.net/login', {}, undefined],
    ['the upstream host on another port', 'http://10.0.0.5:9090/x', {}, undefined],
    ['the upstream host over https', 'https://10.0.0.5:8080/x', {}, undefined],
    ['a path under a stripped prefix', '/login', { rewrite: stripApi }, '/api/login'],
    ['an absolute URL under a stripped prefix', 'http://10.0.0.5:8080/login?x=1', { rewrite: stripApi }, 'https://www.example.com/api/login?x=1'],
    ['a path under a replaced prefix', '/v2/users', { rewrite: { kind: 'prefix', from: '/api', to: '/v2' } }, '/api/users'],
    ['a path outside a replaced prefix', '/v3/users', { rewrite: { kind: 'prefix', from: '/api', to: '/v2' } }, undefined],
    ['a path with query under a prefix', '/login?next=%2F#f', { rewrite: stripApi }, '/api/login?next=%2F#f'],
    ['a path under the upstream base path', '/app/login', { upstreamBasePath: '/app' }, '/login'],
    ['the upstream base path itself', 'http://10.0.0.5:8080/app', { upstreamBasePath: '/app' }, 'https://www.example.com/'],
    ['a path outside the upstream base path', '/other', { upstreamBasePath: '/app' }, undefined],
    ['a path beside the base path sharing its letters', '/application', { upstreamBasePath: '/app' }, undefined],
    ['a base path and a prefix together', '/app/login', { upstreamBasePath: '/app', rewrite: stripApi }, '/api/login'],
    ['a path with no rewrite', '/login', {}, '/login'],
    ['a template route (cannot be reversed)', '/u/1', { rewrite: { kind: 'template', template: '/u/{id}' } }, undefined],
    ['a relative path', 'login', { rewrite: stripApi }, undefined],
    ['a dot-relative path', '../login', { rewrite: stripApi }, undefined],
    ['a scheme-relative URL', '//10.0.0.5:8080/x', { rewrite: stripApi }, undefined],
    ['a scheme-relative URL elsewhere', '//evil.example/x', {}, undefined],
  ])('maps %s', (_what, value, over, want) => {
    expect(publicUrlFor(value, mapping(over))).toBe(want)
  })
})

describe('rewriteLocations', () => {
  it('rewrites Location and Content-Location that point at the upstream and leaves others', () => {
    const h = new Headers({ location: 'http://10.0.0.5:8080/next', 'content-location': 'https://cdn.example.net/x' })
    rewriteLocations(h, mapping())
    expect(h.get('location')).toBe('https://www.example.com/next')
    expect(h.get('content-location')).toBe('https://cdn.example.net/x')
  })
})

describe('rewriteSetCookie', () => {
  const named = mapping({ upstreamOrigin: 'https://origin.internal', upstreamHostname: 'origin.internal' })
  it.each<[string, string, UrlMapping, string]>([
    ['the upstream Domain', 'sid=1; Domain=origin.internal; Path=/; HttpOnly', named, 'sid=1; Domain=www.example.com; Path=/; HttpOnly'],
    ['the upstream Domain with a leading dot', 'sid=1; Domain=.origin.internal', named, 'sid=1; Domain=www.example.com'],
    ['the upstream Domain in another case', 'sid=1; domain=Origin.Internal; secure', named, 'sid=1; Domain=www.example.com; secure'],
    ['an IP address Domain', 'sid=1; Domain=10.0.0.5', mapping(), 'sid=1; Domain=www.example.com'],
    ['another Domain', 'sid=1; Domain=example.net; Path=/', named, 'sid=1; Domain=example.net; Path=/'],
    ['a Path under a stripped prefix', 'sid=1; Path=/account', mapping({ rewrite: stripApi }), 'sid=1; Path=/api/account'],
    ['the root Path under a stripped prefix (so /api itself gets it)', 'sid=1; Path=/', mapping({ rewrite: stripApi }), 'sid=1; Path=/api'],
    ['a Path under a replaced prefix', 'sid=1; Path=/v2/cart', mapping({ rewrite: { kind: 'prefix', from: '/shop', to: '/v2' } }), 'sid=1; Path=/shop/cart'],
    ['a Path outside the mapping', 'sid=1; Path=/other', mapping({ rewrite: { kind: 'prefix', from: '/shop', to: '/v2' } }), 'sid=1; Path=/other'],
    ['a Path under the base path', 'sid=1; Path=/app/x', mapping({ upstreamBasePath: '/app' }), 'sid=1; Path=/x'],
    ['the base path itself under a stripped prefix', 'sid=1; Path=/app', mapping({ upstreamBasePath: '/app', rewrite: stripApi }), 'sid=1; Path=/api'],
    ['a Path with no mapping at all', 'sid=1; Path=/docs/', mapping(), 'sid=1; Path=/docs/'],
    ['a Path ending in a slash under a prefix', 'sid=1; Path=/docs/', mapping({ rewrite: stripApi }), 'sid=1; Path=/api/docs/'],
    ['a cookie without attributes', 'plain=1', mapping({ rewrite: stripApi }), 'plain=1'],
    ['a value with "=" and an Expires with a comma', 'tok=a=b; Expires=Wed, 21 Oct 2037 07:28:00 GMT', named, 'tok=a=b; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
  ])('rewrites %s', (_what, cookie, map, want) => {
    expect(rewriteSetCookie(cookie, map)).toBe(want)
  })
})

describe('rewriteSetCookies', () => {
  it('keeps each Set-Cookie separate while rewriting them', () => {
    const h = new Headers()
    h.append('set-cookie', 'a=1; Domain=10.0.0.5; Path=/')
    h.append('set-cookie', 'b=2, c; Path=/x')
    h.append('set-cookie', 'plain=1')
    rewriteSetCookies(h, mapping({ rewrite: stripApi }))
    expect(h.getSetCookie()).toEqual(['a=1; Domain=www.example.com; Path=/api', 'b=2, c; Path=/api/x', 'plain=1'])
  })
})

describe('cleanResponseHeaders', () => {
  it('drops hop-by-hop and hidden headers', () => {
    const h = new Headers({ server: 'nginx', 'x-powered-by': 'php', connection: 'close', 'keep-alive': 'x', 'content-type': 'text/plain' })
    cleanResponseHeaders(h, ['server', 'x-powered-by'], false)
    expect([...h.keys()]).toEqual(['content-type'])
  })

  it('keeps Upgrade on a 101 answer', () => {
    const h = new Headers({ connection: 'Upgrade', upgrade: 'websocket' })
    cleanResponseHeaders(h, [], true)
    expect(h.get('upgrade')).toBe('websocket')
  })
})
