import { describe, expect, it } from 'vitest'
import { cacheKey, DEFAULT_KEY_POLICY, keyUrl, type KeyPolicy } from './key.ts'

const key = (url: string, policy: Partial<KeyPolicy> = {}, headers: HeadersInit = {}, variant?: string) =>
  cacheKey(new URL(url), new Headers(headers), { ...DEFAULT_KEY_POLICY, ...policy }, variant)

describe('cacheKey: the URL part', () => {
  it.each<[string, string]>([
    ['https://www.example.com/a?b=1', 'https://www.example.com/a?b=1'],
    // Host names are case-insensitive; a trailing dot names the same host.
    ['https://WWW.Example.COM/a', 'https://www.example.com/a'],
    ['https://www.example.com./a', 'https://www.example.com/a'],
    // The default port is no port; another port is part of the key.
    ['https://www.example.com:443/a', 'https://www.example.com/a'],
    ['http://www.example.com:80/a', 'http://www.example.com/a'],
    ['https://www.example.com:8443/a', 'https://www.example.com:8443/a'],
    // The path keeps its case; the fragment is never part of it.
    ['https://www.example.com/A/b#top', 'https://www.example.com/A/b'],
    ['https://www.example.com/a?', 'https://www.example.com/a'],
  ])('%s → %s', (url, expected) => {
    expect(key(url)).toBe(expected)
  })

  it('keeps http and https apart', () => {
    expect(key('http://www.example.com/a')).not.toBe(key('https://www.example.com/a'))
  })

  it('keeps the query as sent by default: order matters', () => {
    expect(key('https://h.example/a?b=2&a=1')).toBe('https://h.example/a?b=2&a=1')
    expect(key('https://h.example/a?b=2&a=1')).not.toBe(key('https://h.example/a?a=1&b=2'))
  })
})

describe('cacheKey: query options', () => {
  it.each<[string, Partial<KeyPolicy>, string]>([
    ['https://h.example/a?b=2&a=1', { sortQuery: true }, 'https://h.example/a?a=1&b=2'],
    ['https://h.example/a?z=1&a=2&a=1', { sortQuery: true }, 'https://h.example/a?a=1&a=2&z=1'],
    ['https://h.example/a?&b=2&&a=1', { sortQuery: true }, 'https://h.example/a?a=1&b=2'],
    ['https://h.example/a?b=2&a=1', { ignoreQuery: true }, 'https://h.example/a'],
    ['https://h.example/a?b=2&a=1', { ignoreQuery: true, sortQuery: true }, 'https://h.example/a'],
    ['https://h.example/a?utm_source=x&id=7&fbclid=y', { ignoreQuery: ['utm_source', 'fbclid'] }, 'https://h.example/a?id=7'],
    // Parameter names are compared decoded.
    ['https://h.example/a?utm%5Fsource=x&id=7', { ignoreQuery: ['utm_source'] }, 'https://h.example/a?id=7'],
    ['https://h.example/a?my+tag=x&id=7', { ignoreQuery: ['my tag'] }, 'https://h.example/a?id=7'],
    // A parameter without a value, and a name that cannot be decoded, are still matched.
    ['https://h.example/a?debug&id=7', { ignoreQuery: ['debug'] }, 'https://h.example/a?id=7'],
    ['https://h.example/a?%E0%A4%A=1&id=7', { ignoreQuery: ['%E0%A4%A'] }, 'https://h.example/a?id=7'],
    ['https://h.example/a?utm_source=x', { ignoreQuery: ['utm_source'] }, 'https://h.example/a'],
    ['https://h.example/a?z=1&utm_source=x&a=1', { ignoreQuery: ['utm_source'], sortQuery: true }, 'https://h.example/a?a=1&z=1'],
    ['https://h.example/a?z=1&a=1', { ignoreQuery: ['utm_source'] }, 'https://h.example/a?z=1&a=1'],
  ])('%s with %j → %s', (url, policy, expected) => {
    expect(key(url, policy)).toBe(expected)
  })
})

describe('cacheKey: headers, cookies and the variant', () => {
  it('adds chosen request headers, so their values select different entries', () => {
    const mobile = key('https://h.example/a', { headers: ['x-device'] }, { 'x-device': 'mobile' })
    const desktop = key('https://h.example/a', { headers: ['x-device'] }, { 'x-device': 'desktop' })
    expect(mobile).not.toBe(desktop)
    expect(mobile).toBe(key('https://h.example/a', { headers: ['x-device'] }, { 'X-Device': 'mobile', other: 'x' }))
    expect(key('https://h.example/a', {}, { 'x-device': 'mobile' })).toBe(key('https://h.example/a', {}, { 'x-device': 'desktop' }))
  })

  it('adds chosen cookies, and only those', () => {
    const policy = { cookies: ['lang'] }
    const en = key('https://h.example/a', policy, { cookie: 'session=1; lang=en' })
    expect(en).toBe(key('https://h.example/a', policy, { cookie: 'lang=en; session=2' }))
    expect(en).not.toBe(key('https://h.example/a', policy, { cookie: 'lang=de' }))
    expect(en).not.toBe(key('https://h.example/a', policy))
    // The first of two cookies of one name counts.
    expect(key('https://h.example/a', policy, { cookie: 'lang=en; lang=de' })).toBe(en)
    // A cookie whose name merely ends the same is another cookie.
    expect(key('https://h.example/a', policy, { cookie: 'xlang=en' })).toBe(key('https://h.example/a', policy))
  })

  it('adds the A/B variant', () => {
    expect(key('https://h.example/a', {}, {}, 'b')).not.toBe(key('https://h.example/a', {}, {}, 'a'))
    expect(key('https://h.example/a', {}, {}, 'a')).not.toBe(key('https://h.example/a'))
  })

  it('cannot be forged through the query: header parts are on their own lines', () => {
    const viaHeader = key('https://h.example/a', { headers: ['x-device'] }, { 'x-device': 'm' })
    expect(viaHeader).toBe('https://h.example/a\nh:x-device=m')
    expect(key('https://h.example/a?%0Ah:x-device=m', { headers: ['x-device'] })).not.toBe(viaHeader)
  })
})

describe('keyUrl: the URL stored entries and purge records name', () => {
  it.each<[string, Partial<KeyPolicy>, string]>([
    ['https://WWW.Example.com./a?b=1', {}, 'https://www.example.com/a?b=1'],
    ['https://h.example/a?utm_source=x&id=7', { ignoreQuery: ['utm_source'] }, 'https://h.example/a?id=7'],
    ['https://h.example/a?b=2&a=1', { sortQuery: true }, 'https://h.example/a?a=1&b=2'],
    ['https://h.example/a?b=2', { ignoreQuery: true }, 'https://h.example/a'],
    // Keyed headers and cookies are not part of it: a purge of the URL covers all their values.
    ['https://h.example/a', { headers: ['x-device'], cookies: ['lang'] }, 'https://h.example/a'],
  ])('%s with %j → %s', (url, policy, expected) => {
    expect(keyUrl(new URL(url), { ...DEFAULT_KEY_POLICY, ...policy })).toBe(expected)
  })

  it('is the first line of the cache key', () => {
    const policy = { ...DEFAULT_KEY_POLICY, headers: ['x-device'], sortQuery: true }
    const url = new URL('https://h.example/a?z=1&a=2')
    expect(cacheKey(url, new Headers({ 'x-device': 'm' }), policy).split('\n')[0]).toBe(keyUrl(url, policy))
  })
})
