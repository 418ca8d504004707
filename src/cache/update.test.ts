import { describe, expect, it } from 'vitest'
import { mergeNotModified } from './update.ts'

const STORED = () =>
  new Headers({
    'cache-control': 'max-age=1',
    'content-type': 'text/plain',
    'content-length': '11',
    'content-encoding': 'identity',
    etag: '"v1"',
    'content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
    'content-digest': 'sha-256=:AAAA:',
    date: 'Thu, 15 Jan 2026 12:00:00 GMT',
    age: '100',
    'x-kept': 'only in storage',
    'test-header': 'A',
  })

describe('mergeNotModified (RFC 9111 sections 3.2 and 4.3.4)', () => {
  it.each<[string, string, string]>([
    // cache-tests update304: each of these is replaced by the 304's value.
    ['test-header', 'B', 'B'],
    ['x-test-header', 'B', 'B'],
    ['content-foo', 'B', 'B'],
    ['content-type', 'text/plain;charset=utf-8', 'text/plain;charset=utf-8'],
    ['content-location', '/bar', '/bar'],
    ['content-security-policy', "default-src 'self' cdn.example.com", "default-src 'self' cdn.example.com"],
    ['x-frame-options', 'sameorigin', 'sameorigin'],
    ['cache-control', 'max-age=3600', 'max-age=3600'],
    ['expires', 'Thu, 15 Jan 2026 13:00:00 GMT', 'Thu, 15 Jan 2026 13:00:00 GMT'],
    ['clear-site-data', 'cookies', 'cookies'],
    ['date', 'Thu, 15 Jan 2026 12:05:00 GMT', 'Thu, 15 Jan 2026 12:05:00 GMT'],
    ['age', '5', '5'],
    // Fields about the body as stored, and the connection, stay as stored.
    ['content-length', '0', '11'],
    ['content-encoding', 'gzip', 'identity'],
    ['etag', '"v2"', '"v1"'],
    ['content-md5', 'N7UdGUp1E+RbVvZSTy1R8g==', 'rL0Y20zC+Fzt72VPzMSk2A=='],
    ['content-digest', 'sha-256=:BBBB:', 'sha-256=:AAAA:'],
    ['connection', 'close', ''],
    ['keep-alive', 'timeout=5', ''],
    ['transfer-encoding', 'chunked', ''],
  ])('%s from the 304 (%s) → %s', (name, fromNotModified, expected) => {
    const merged = mergeNotModified(STORED(), new Headers({ [name]: fromNotModified }))
    expect(merged.get(name) ?? '').toBe(expected)
  })

  it('keeps stored fields the 304 omits (cache-tests 304-lm-use-stored-Test-Header)', () => {
    const merged = mergeNotModified(STORED(), new Headers({ 'cache-control': 'max-age=3600' }))
    expect(merged.get('x-kept')).toBe('only in storage')
    expect(merged.get('test-header')).toBe('A')
    expect(merged.get('content-type')).toBe('text/plain')
  })

  it('drops the stored Age: the freshened response is as old as the 304 says', () => {
    expect(mergeNotModified(STORED(), new Headers({ 'cache-control': 'max-age=3600' })).has('age')).toBe(false)
  })

  it('replaces every stored Set-Cookie with those of the 304', () => {
    const stored = STORED()
    stored.append('set-cookie', 'a=b')
    stored.append('set-cookie', 'old=1')
    const nm = new Headers()
    nm.append('set-cookie', 'a=c')
    nm.append('set-cookie', 'new=2; Path=/')
    expect(mergeNotModified(stored, nm).getSetCookie()).toEqual(['a=c', 'new=2; Path=/'])
  })

  it('replaces a repeated field as a whole', () => {
    const stored = STORED()
    stored.append('link', '</a>; rel=preload')
    stored.append('link', '</b>; rel=preload')
    expect(mergeNotModified(stored, new Headers({ link: '</c>; rel=preload' })).get('link')).toBe('</c>; rel=preload')
  })

  it('leaves the stored headers it was given untouched', () => {
    const stored = STORED()
    mergeNotModified(stored, new Headers({ 'test-header': 'B' }))
    expect(stored.get('test-header')).toBe('A')
    expect(stored.get('age')).toBe('100')
  })
})
