import { describe, expect, it } from 'vitest'
import { ipPrefix } from '../http/ip.ts'
import { normalisePath, rateKey, type KeyInput, type KeyPart } from './key.ts'

type InputOver = Partial<Omit<KeyInput, 'headers'>> & { headers?: Record<string, string> }
const input = (over: InputOver = {}): KeyInput => ({
  clientIp: '203.0.113.7',
  path: '/api/login',
  claims: undefined,
  ...over,
  headers: new Headers(over.headers),
})
const keyOf = (parts: KeyPart[], over: InputOver = {}, bits = 64) => rateKey(parts, input(over), bits)

describe('ipPrefix: an IPv6 client counts by its /64', () => {
  const SLASH64 = '2001:db8:1:2:0:0:0:0/64'
  it.each([
    '2001:db8:1:2:3:4:5:6',
    '2001:db8:1:2::1',
    '2001:db8:1:2::',
    '2001:db8:1:2:ffff:ffff:ffff:ffff',
    '2001:DB8:1:2:ABCD::9',
    '2001:0db8:0001:0002:0000:0000:0000:0001',
    '2001:db8:1:2:0::0:1',
  ])('%s → the same /64', (ip) => {
    expect(ipPrefix(ip, 64)).toBe(SLASH64)
  })

  it.each<[string, string]>([
    ['2001:db8:1:3::1', '2001:db8:1:3:0:0:0:0/64'],
    ['2001:db8::', '2001:db8:0:0:0:0:0:0/64'],
    ['::1', '0:0:0:0:0:0:0:0/64'],
    ['::', '0:0:0:0:0:0:0:0/64'],
    ['fe80::1', 'fe80:0:0:0:0:0:0:0/64'],
  ])('%s → %s', (ip, prefix) => {
    expect(ipPrefix(ip, 64)).toBe(prefix)
  })

  it('cuts at any prefix length, inside a group too', () => {
    expect(ipPrefix('2001:db8:1:2aff::1', 56)).toBe('2001:db8:1:2a00:0:0:0:0/56')
    expect(ipPrefix('2001:db8:1:2a00::', 56)).toBe(ipPrefix('2001:db8:1:2aff::1', 56))
    expect(ipPrefix('2001:db8:1:2b00::', 56)).not.toBe(ipPrefix('2001:db8:1:2aff::1', 56))
    expect(ipPrefix('2001:db8:1:ffff::', 48)).toBe('2001:db8:1:0:0:0:0:0/48')
    expect(ipPrefix('2001:db8:1:2::9', 128)).toBe('2001:db8:1:2:0:0:0:9/128')
    expect(ipPrefix('2001:db8:1:2::9', 128)).not.toBe(ipPrefix('2001:db8:1:2::8', 128))
  })

  it.each<[string, string]>([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    // The same IPv4-mapped address spelled in hex groups or in full: still one IPv4 client, not
    // the /64 ::/64 that every IPv4-mapped address shares.
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['0:0:0:0:0:ffff:cb00:7107', '203.0.113.7'],
  ])('IPv4 %s counts as the one address %s', (ip, expected) => {
    expect(ipPrefix(ip, 64)).toBe(expected)
  })

  it('keeps two IPv4-mapped clients apart', () => {
    expect(ipPrefix('::ffff:cb00:7107', 64)).not.toBe(ipPrefix('::ffff:cb00:7108', 64))
  })

  it.each(['2001:db8::1::2', '2001:db8:1:2:3:4:5:6:7', '1:2:3:4::5:6:7:8', 'not-an-address', '2001:db8:g::1', '2001:db8:1g::1', '::ffff:203.0.113.300'])('leaves a malformed address %s as it is (lower case)', (ip) => {
    expect(ipPrefix(ip, 64)).toBe(ip.toLowerCase())
  })
})

describe('normalisePath: case, percent-encoding, slashes and dot-segments fold together', () => {
  it.each([
    '/api/login',
    '/API/Login',
    '/api/%6Cogin',
    '/api/%6cogin',
    '/%61%70%69/%6C%6F%67%69%6E',
    '/api/%256Cogin', // encoded twice
    '//api///login',
    '/api/login/',
    '/api/./login',
    '/api/x/../login',
    '/api/x/%2E%2E/login',
    '/../api/login',
    '/api/%2Flogin',
  ])('%s → /api/login', (path) => {
    expect(normalisePath(path)).toBe('/api/login')
  })

  it.each<[string, string]>([
    ['/', '/'],
    ['', '/'],
    ['/..', '/'],
    ['/api/logout', '/api/logout'],
    ['/caf%C3%A9', '/café'],
  ])('%s → %s', (path, expected) => {
    expect(normalisePath(path)).toBe(expected)
  })

  it('decodes the good escapes beside a malformed one', () => {
    expect(normalisePath('/api/%6Cogin%ZZ')).toBe(normalisePath('/api/login%ZZ'))
    expect(normalisePath('/api/%6Cogin%FF')).toBe(normalisePath('/api/login%ff'))
    expect(normalisePath('/API/LOGIN%E0%A4%A')).toBe(normalisePath('/api/login%e0%a4%a'))
  })
})

describe('rateKey', () => {
  it('counts a client by its address from CF-Connecting-IP, never X-Forwarded-For', () => {
    const plain = keyOf(['ip'])
    expect(plain).toBe('ip:203.0.113.7')
    expect(keyOf(['ip'], { headers: { 'X-Forwarded-For': '198.51.100.1', Forwarded: 'for=198.51.100.2', 'X-Real-IP': '198.51.100.3' } })).toBe(plain)
  })

  it('counts IPv6 clients of one /64 together', () => {
    expect(keyOf(['ip'], { clientIp: '2001:db8:1:2::1' })).toBe(keyOf(['ip'], { clientIp: '2001:db8:1:2:dead:beef:0:7' }))
    expect(keyOf(['ip'], { clientIp: '2001:db8:1:2::1' }, 128)).not.toBe(keyOf(['ip'], { clientIp: '2001:db8:1:2:dead:beef:0:7' }, 128))
  })

  it('counts the path normalised', () => {
    expect(keyOf(['path'], { path: '/API//%6Cogin/' })).toBe(keyOf(['path']))
    expect(keyOf(['path'])).toBe('path:/api/login')
  })

  it('reads a header by name in any case, trimmed; keys of two values differ', () => {
    const a = keyOf([{ header: 'X-Api-Key' }], { headers: { 'x-api-key': ' key-a ' } })
    expect(a).toBe('h:x-api-key=key-a')
    expect(keyOf([{ header: 'x-api-key' }], { headers: { 'X-API-KEY': 'key-a' } })).toBe(a)
    expect(keyOf([{ header: 'X-Api-Key' }], { headers: { 'x-api-key': 'key-b' } })).not.toBe(a)
  })

  it('reads a cookie by its exact name', () => {
    const cookie = 'theme=dark; sid=abc123; xsid=other'
    expect(keyOf([{ cookie: 'sid' }], { headers: { cookie } })).toBe('c:sid=abc123')
    expect(keyOf([{ cookie: 'sid' }], { headers: { cookie: 'xsid=other;sid = abc123' } })).toBe('c:sid=abc123')
    expect(keyOf([{ cookie: 'id' }], { headers: { cookie } })).toBeUndefined()
  })

  it('reads a verified claim; a non-string claim as JSON', () => {
    expect(keyOf([{ claim: 'sub' }], { claims: { sub: 'user-1' } })).toBe('j:sub=user-1')
    expect(keyOf([{ claim: 'tier' }], { claims: { tier: 3 } })).toBe('j:tier=3')
    expect(keyOf([{ claim: 'org' }], { claims: { org: { id: 'o1' } } })).toBe('j:org={"id":"o1"}')
    expect(keyOf([{ claim: 'admin' }], { claims: { admin: false } })).toBe('j:admin=false')
  })

  it('joins the parts of a combined key, each named, so values of different parts never collide', () => {
    const both = keyOf(['ip', 'path'])
    expect(both).toBe('ip:203.0.113.7\u0000path:/api/login')
    expect(keyOf(['ip', 'path'], { path: '/api/logout' })).not.toBe(both)
    expect(keyOf([{ header: 'X-Id' }], { headers: { 'x-id': 'v', cookie: 'x-id=v' } })).not.toBe(keyOf([{ cookie: 'x-id' }], { headers: { 'x-id': 'v', cookie: 'x-id=v' } }))
  })

  it.each<[string, KeyPart[], InputOver]>([
    ['no client address', ['ip'], { clientIp: undefined }],
    ['no such header', [{ header: 'X-Api-Key' }], {}],
    ['an empty header', [{ header: 'X-Api-Key' }], { headers: { 'x-api-key': '  ' } }],
    ['no Cookie header', [{ cookie: 'sid' }], {}],
    ['an empty cookie', [{ cookie: 'sid' }], { headers: { cookie: 'sid=' } }],
    ['no verified token', [{ claim: 'sub' }], {}],
    ['a token without the claim', [{ claim: 'sub' }], { claims: { iss: 'x' } }],
    ['a null claim', [{ claim: 'sub' }], { claims: { sub: null } }],
    ['one part of several missing', ['ip', { header: 'X-Api-Key' }], {}],
  ])('is undefined (the rule does not apply) with %s', (_name, parts, over) => {
    expect(keyOf(parts, over)).toBeUndefined()
  })
})
