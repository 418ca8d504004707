import { describe, expect, it } from 'vitest'
import { parseAcceptEncoding } from '../http/accept-encoding.ts'
import { accepts, chooseCoding, decide, isCompressibleType, qualityOf, type CompressPolicy, type ResponseFacts } from './negotiate.ts'
import { DEFAULT_TYPES } from './policy.ts'

const ALL = ['zstd', 'br', 'gzip', 'deflate'] as const

describe('qualityOf', () => {
  const q = (value: string, coding: string) => qualityOf(parseAcceptEncoding(value), coding)

  it('takes a coding\'s own q-value before "*"', () => {
    expect(q('gzip;q=0.2, *;q=0.9', 'gzip')).toBe(0.2)
    expect(q('gzip;q=0.2, *;q=0.9', 'br')).toBe(0.9)
  })

  it('refuses codings the client did not name when there is no "*"', () => {
    expect(q('gzip', 'zstd')).toBe(0)
  })

  it('accepts identity unless it is refused by name or by "*;q=0"', () => {
    expect(q('gzip', 'identity')).toBe(1)
    expect(q('', 'identity')).toBe(1)
    expect(q('identity;q=0', 'identity')).toBe(0)
    expect(q('*;q=0', 'identity')).toBe(0)
    expect(q('*;q=0, identity', 'identity')).toBe(1)
    // "*" with a positive q-value does not lower identity below 1.
    expect(q('*;q=0.5', 'identity')).toBe(1)
  })
})

describe('chooseCoding', () => {
  it.each<[string | null, readonly (typeof ALL)[number][], string | undefined]>([
    // No header, or an empty one: identity (an empty value means "no coding", section 12.5.3).
    [null, ALL, undefined],
    ['', ALL, undefined],
    // Equal q-values: the server's preference decides.
    ['gzip, deflate, br, zstd', ALL, 'zstd'],
    ['gzip, deflate, br', ALL, 'br'],
    ['gzip, deflate, br', ['gzip', 'br'], 'gzip'],
    ['deflate, gzip', ALL, 'gzip'],
    ['deflate, gzip', ['deflate', 'gzip'], 'deflate'],
    // The client's q-values come first.
    ['zstd;q=0.5, gzip;q=0.9', ALL, 'gzip'],
    ['br;q=0.9, zstd;q=0.8, gzip', ALL, 'gzip'],
    ['br;q=1, zstd;q=0.999', ALL, 'br'],
    // A coding the server does not offer is not chosen, however much the client likes it.
    ['zstd, gzip;q=0.1', ['br', 'gzip'], 'gzip'],
    ['zstd', ['br', 'gzip'], undefined],
    // q=0 refuses.
    ['zstd;q=0, br;q=0, gzip;q=0', ALL, undefined],
    ['zstd;q=0, gzip', ALL, 'gzip'],
    // "*" stands for every coding not named; its ties go to the server's preference.
    ['*', ALL, 'zstd'],
    ['*', ['gzip', 'br'], 'gzip'],
    ['zstd;q=0, *', ALL, 'br'],
    ['*;q=0', ALL, undefined],
    ['*;q=0.5, gzip', ALL, 'gzip'],
    // x-gzip is gzip.
    ['x-gzip', ALL, 'gzip'],
    // identity;q=0 forbids an uncompressed answer; the best coding is chosen as usual.
    ['identity;q=0, gzip', ALL, 'gzip'],
    ['identity;q=0, *', ALL, 'zstd'],
    // A client that prefers identity to every coding offered gets identity.
    ['gzip;q=0.5, identity', ALL, undefined],
    ['gzip;q=0.5, identity;q=0.5', ALL, 'gzip'],
    // Unknown codings are ignored.
    ['compress, exi', ALL, undefined],
  ])('%j with %j → %s', (acceptEncoding, preference, expected) => {
    expect(chooseCoding(parseAcceptEncoding(acceptEncoding), preference)).toBe(expected)
  })
})

describe('accepts', () => {
  it('says whether the client takes a coding a response already has', () => {
    expect(accepts(parseAcceptEncoding('gzip, br'), 'gzip')).toBe(true)
    expect(accepts(parseAcceptEncoding('gzip, br'), 'x-gzip')).toBe(true)
    expect(accepts(parseAcceptEncoding('x-gzip'), 'gzip')).toBe(true)
    expect(accepts(parseAcceptEncoding('br'), 'gzip')).toBe(false)
    expect(accepts(parseAcceptEncoding('gzip;q=0'), 'gzip')).toBe(false)
    expect(accepts(parseAcceptEncoding('*'), 'deflate')).toBe(true)
    expect(accepts(parseAcceptEncoding(null), 'gzip')).toBe(false)
  })
})

describe('isCompressibleType', () => {
  it.each<[string | null, boolean]>([
    ['text/html; charset=utf-8', true],
    ['TEXT/Plain', true],
    ['text/event-stream', true],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/vnd.api+json; charset=utf-8', true],
    ['application/atom+xml', true],
    ['image/svg+xml', true],
    ['application/javascript', true],
    ['application/wasm', true],
    ['image/png', false],
    ['application/octet-stream', false],
    ['application/zip', false],
    ['video/mp4', false],
    ['font/woff2', false],
    ['', false],
    [null, false],
    // A prefix of a listed type is not that type.
    ['application/jsonx', false],
    ['textual/plain', false],
  ])('%j → %s', (type, expected) => {
    expect(isCompressibleType(type, DEFAULT_TYPES)).toBe(expected)
  })

  it('matches only the configured list', () => {
    expect(isCompressibleType('application/octet-stream', ['application/octet-stream'])).toBe(true)
    expect(isCompressibleType('text/html', ['application/json'])).toBe(false)
    expect(isCompressibleType('application/x-custom', ['application/*'])).toBe(true)
  })
})

describe('decide', () => {
  const policy: CompressPolicy = { preference: ALL, types: DEFAULT_TYPES, minBytes: 1024 }
  const facts = (over: Partial<ResponseFacts> = {}): ResponseFacts => ({
    method: 'GET',
    status: 200,
    contentEncoding: null,
    contentType: 'text/html',
    contentLength: 4096,
    cacheControl: null,
    hasBody: true,
    contentRange: false,
    ...over,
  })
  const PASS = { action: 'pass' }

  it('encodes a compressible response with the best coding the client accepts', () => {
    expect(decide('gzip, br, zstd', facts(), policy)).toEqual({ action: 'encode', coding: 'zstd' })
    expect(decide('gzip', facts(), policy)).toEqual({ action: 'encode', coding: 'gzip' })
    expect(decide('deflate', facts({ method: 'POST', status: 404 }), policy)).toEqual({ action: 'encode', coding: 'deflate' })
  })

  it('encodes a body of unknown length (streamed) whatever its size', () => {
    expect(decide('gzip', facts({ contentLength: undefined }), policy)).toEqual({ action: 'encode', coding: 'gzip' })
  })

  it('encodes a body exactly at the minimum size, not one byte below it', () => {
    expect(decide('gzip', facts({ contentLength: 1024 }), policy)).toEqual({ action: 'encode', coding: 'gzip' })
    expect(decide('gzip', facts({ contentLength: 1023 }), policy)).toEqual(PASS)
    expect(decide('gzip', facts({ contentLength: 0 }), { ...policy, minBytes: 0 })).toEqual({ action: 'encode', coding: 'gzip' })
  })

  it.each<[string, Partial<ResponseFacts>]>([
    ['a HEAD request', { method: 'HEAD' }],
    ['a response without a body', { hasBody: false }],
    ['204 No Content', { status: 204 }],
    ['206 Partial Content', { status: 206 }],
    ['304 Not Modified', { status: 304 }],
    ['an informational status', { status: 101 }],
    ['a Content-Range on another status', { status: 200, contentRange: true }],
    ['Cache-Control: no-transform (RFC 9111 section 5.2.2.6)', { cacheControl: 'no-transform' }],
    ['no-transform among other directives', { cacheControl: 'public, max-age=60,No-Transform' }],
    ['a type not in the list', { contentType: 'image/png' }],
    ['no Content-Type', { contentType: null }],
    ['a body below the minimum size', { contentLength: 10 }],
    ['a body already in a coding the client accepts', { contentEncoding: 'br' }],
    ['a body in a coding Portico cannot decode', { contentEncoding: 'compress' }],
    ['a body in several codings', { contentEncoding: 'gzip, br' }],
  ])('passes %s through untouched', (_, over) => {
    expect(decide('gzip, br, zstd', facts(over), policy)).toEqual(PASS)
  })

  it('does not mistake a directive that merely contains no-transform for it', () => {
    expect(decide('gzip', facts({ cacheControl: 'x-no-transform-please' }), policy)).toEqual({ action: 'encode', coding: 'gzip' })
  })

  it('passes when the client accepts no coding on offer', () => {
    expect(decide(null, facts(), policy)).toEqual(PASS)
    expect(decide('identity', facts(), policy)).toEqual(PASS)
    expect(decide('zstd', facts(), { ...policy, preference: ['gzip'] })).toEqual(PASS)
  })

  it('passes an identity response as is when the client refuses identity but accepts nothing offered', () => {
    expect(decide('identity;q=0, compress', facts(), policy)).toEqual(PASS)
  })

  it('treats an explicit identity Content-Encoding as no coding', () => {
    expect(decide('gzip', facts({ contentEncoding: 'identity' }), policy)).toEqual({ action: 'encode', coding: 'gzip' })
  })

  describe('a response in a coding the client does not accept', () => {
    it.each(['gzip', 'x-gzip', 'br', 'deflate', 'zstd'])('is decoded from %s and re-encoded in a coding the client takes', (from) => {
      const client = from === 'deflate' ? 'zstd' : 'deflate'
      expect(decide(client, facts({ contentEncoding: from }), policy)).toEqual({ action: 'decode', from, coding: client })
    })

    it('passes x-gzip on to a client that accepts gzip', () => {
      expect(decide('gzip', facts({ contentEncoding: 'x-gzip' }), policy)).toEqual(PASS)
    })

    it('is decoded to identity for a client that accepts no coding', () => {
      expect(decide(null, facts({ contentEncoding: 'zstd' }), policy)).toEqual({ action: 'decode', from: 'zstd', coding: undefined })
      expect(decide('gzip;q=0', facts({ contentEncoding: 'gzip' }), policy)).toEqual({ action: 'decode', from: 'gzip', coding: undefined })
    })

    it('is decoded whatever its encoded length, since that says nothing of the decoded size', () => {
      expect(decide('br', facts({ contentEncoding: 'zstd', contentLength: 10 }), policy)).toEqual({ action: 'decode', from: 'zstd', coding: 'br' })
    })

    it('is decoded but not re-encoded when its type is not compressible', () => {
      expect(decide('br', facts({ contentEncoding: 'zstd', contentType: 'application/octet-stream' }), policy)).toEqual({ action: 'decode', from: 'zstd', coding: undefined })
    })

    it('is matched case-insensitively', () => {
      expect(decide('gzip', facts({ contentEncoding: ' ZSTD ' }), policy)).toEqual({ action: 'decode', from: 'zstd', coding: 'gzip' })
      expect(decide('zstd', facts({ contentEncoding: 'ZSTD' }), policy)).toEqual(PASS)
    })

    it('is left alone under no-transform, for HEAD, and for 206 and 304', () => {
      expect(decide(null, facts({ contentEncoding: 'zstd', cacheControl: 'no-transform' }), policy)).toEqual(PASS)
      expect(decide(null, facts({ contentEncoding: 'zstd', method: 'HEAD' }), policy)).toEqual(PASS)
      expect(decide(null, facts({ contentEncoding: 'zstd', status: 206, contentRange: true }), policy)).toEqual(PASS)
      expect(decide(null, facts({ contentEncoding: 'zstd', status: 304, hasBody: false }), policy)).toEqual(PASS)
    })
  })
})
