// Compression through the whole Worker in front of the loopback origin: every coding decodes to the
// origin's bytes, what must not be compressed is passed on untouched, the headers that go with a
// coding are right, an origin's coding the client refuses is decoded (within a bound), and cached
// responses are served in each client's coding. Requests carry request.cf.clientAcceptEncoding as
// Cloudflare's edge sets it (the Accept-Encoding header then says "br, gzip" whatever the client
// sent), or only the header, as a direct call would.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { decodeBody } from '../support/decode.ts'
import worker from '../../src/index.ts'
import type { PorticoEnv } from '../../src/config/index.ts'
import { ORIGIN_URL, withConfig } from './harness.ts'

type Coding = 'zstd' | 'br' | 'gzip' | 'deflate'
const CODINGS: Coding[] = ['zstd', 'br', 'gzip', 'deflate']
const MiB = 1024 * 1024

/** One route compressing everything it forwards, with these compress settings. */
function compressing(compress: Record<string, unknown> = {}, route: Record<string, unknown> = {}): PorticoEnv {
  return withConfig({ routes: [{ upstream: ORIGIN_URL, compress, ...route }] })
}

interface Call {
  /** The client's own Accept-Encoding, as Cloudflare passes it in request.cf; undefined: none in cf. */
  client?: string
  /** The Accept-Encoding header the Worker sees; by default Cloudflare's rewrite when `client` is set. */
  header?: string | null
  method?: string
  headers?: Record<string, string>
}

/** A request through the whole Worker, its waitUntil work (cache writes) awaited once the body is read. */
async function call(path: string, env: PorticoEnv, c: Call = {}): Promise<{ res: Response; bytes: () => Promise<Uint8Array> }> {
  const headers = new Headers(c.headers)
  const header = c.header !== undefined ? c.header : c.client !== undefined ? 'br, gzip' : null
  if (header !== null) headers.set('accept-encoding', header)
  const init: RequestInit = { method: c.method ?? 'GET', headers }
  if (c.client !== undefined) (init as { cf?: unknown }).cf = { clientAcceptEncoding: c.client }
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(`https://www.example.com${path}`, init), env, ctx)
  const bytes = async () => {
    try {
      return new Uint8Array(await res.arrayBuffer())
    } finally {
      await waitOnExecutionContext(ctx)
    }
  }
  return { res, bytes }
}

/** What the origin serves at this path, fetched straight from it (zstd and deflate bodies arrive as sent). */
async function fromOrigin(path: string): Promise<{ res: Response; bytes: Uint8Array }> {
  const res = await fetch(`${ORIGIN_URL}${path}`, { headers: { 'accept-encoding': 'identity' } })
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) }
}

/** The decoded /encoded body of `n` bytes, straight from the origin. */
async function original(n: number): Promise<Uint8Array> {
  return (await fromOrigin(`/encoded?n=${n}`)).bytes
}

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength)
  expect(actual.findIndex((b, i) => b !== expected[i]), 'first differing byte').toBe(-1)
}

const q = (params: Record<string, string | number | string[]>) => {
  const s = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) s.append(k, String(one))
  return s.toString()
}

describe('each coding, as Cloudflare passes the client\'s Accept-Encoding', () => {
  it.each(CODINGS)('sends %s that decodes to the origin\'s bytes, without Content-Length', async (coding) => {
    const expected = await original(64 * 1024)
    const { res, bytes } = await call('/encoded?n=65536', compressing(), { client: coding })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBe(coding)
    expect(res.headers.get('content-length')).toBeNull()
    expect(res.headers.get('vary')).toBe('Accept-Encoding')
    const body = await bytes()
    expect(body.byteLength).toBeLessThan(expected.byteLength / 4)
    expectSameBytes(decodeBody(coding, body), expected)
  })

  it.each(CODINGS)('encodes a 1 MiB streamed body (no Content-Length) as %s, byte for byte', async (coding) => {
    const expected = await original(MiB)
    const { res, bytes } = await call(`/encoded?n=${MiB}&chunked=1`, compressing(), { client: coding })
    expect(res.headers.get('content-encoding')).toBe(coding)
    expectSameBytes(decodeBody(coding, await bytes()), expected)
  })

  it('picks by the client\'s own Accept-Encoding, not the "br, gzip" Cloudflare leaves in the header', async () => {
    const { res } = await call('/encoded', compressing(), { client: 'zstd, gzip', header: 'br, gzip' })
    expect(res.headers.get('content-encoding')).toBe('zstd')
    const identity = await call('/encoded', compressing(), { client: '', header: 'br, gzip' })
    expect(identity.res.headers.get('content-encoding')).toBeNull()
    expectSameBytes(await identity.bytes(), await original(16384))
  })

  it('follows the client\'s q-values, then the configured preference', async () => {
    const env = compressing()
    expect((await call('/encoded', env, { client: 'zstd;q=0.5, br;q=0.9, gzip;q=0.9' })).res.headers.get('content-encoding')).toBe('br')
    expect((await call('/encoded', env, { client: 'gzip, deflate, br, zstd' })).res.headers.get('content-encoding')).toBe('zstd')
    expect((await call('/encoded', env, { client: '*' })).res.headers.get('content-encoding')).toBe('zstd')
    expect((await call('/encoded', env, { client: 'identity;q=0, zstd;q=0, *' })).res.headers.get('content-encoding')).toBe('br')
    const gzipFirst = compressing({ encodings: ['gzip', 'br'] })
    expect((await call('/encoded', gzipFirst, { client: 'zstd, br, gzip' })).res.headers.get('content-encoding')).toBe('gzip')
    expect((await call('/encoded', gzipFirst, { client: 'zstd, deflate' })).res.headers.get('content-encoding')).toBeNull()
  })
})

describe('without request.cf (a direct call), the Accept-Encoding header decides', () => {
  it.each(CODINGS)('sends %s to a client asking for it', async (coding) => {
    const expected = await original(16384)
    const { res, bytes } = await call('/encoded', compressing(), { header: coding })
    expect(res.headers.get('content-encoding')).toBe(coding)
    expectSameBytes(decodeBody(coding, await bytes()), expected)
  })

  it('sends identity to a client without Accept-Encoding, with its Content-Length', async () => {
    const { res, bytes } = await call('/encoded', compressing(), {})
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('content-length')).toBe('16384')
    expect(res.headers.get('vary')).toBe('Accept-Encoding')
    expectSameBytes(await bytes(), await original(16384))
  })

  it('does not compress on a route without a compress table', async () => {
    const { res } = await call('/encoded', withConfig({ routes: [{ upstream: ORIGIN_URL }] }), { header: 'zstd' })
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('vary')).toBeNull()
  })

  it('inherits compression from defaults, and a route can turn it off', async () => {
    const env = withConfig({
      defaults: { compress: { encodings: ['br'] } },
      routes: [
        { match: { path: '/off' }, upstream: ORIGIN_URL, rewrite: { stripPrefix: true }, compress: { enabled: false } },
        { upstream: ORIGIN_URL },
      ],
    })
    expect((await call('/encoded', env, { header: 'br, zstd' })).res.headers.get('content-encoding')).toBe('br')
    expect((await call('/off/encoded', env, { header: 'br, zstd' })).res.headers.get('content-encoding')).toBeNull()
  })
})

describe('what is passed on untouched', () => {
  /** Passed through: no coding added, the origin's bytes and Content-Length as they were. */
  async function expectUntouched(path: string, env: PorticoEnv, c: Call = { client: 'zstd, br, gzip, deflate' }) {
    const direct = await fromOrigin(path)
    const { res, bytes } = await call(path, env, c)
    expect(res.headers.get('content-encoding')).toBe(direct.res.headers.get('content-encoding'))
    expect(res.headers.get('content-length')).toBe(direct.res.headers.get('content-length'))
    expectSameBytes(await bytes(), direct.bytes)
    return res
  }

  it('a body below the minimum size', async () => {
    const res = await expectUntouched('/encoded?n=1023', compressing())
    expect(res.headers.get('content-length')).toBe('1023')
    // Another client could get a coding: caches downstream must still key on Accept-Encoding.
    expect(res.headers.get('vary')).toBe('Accept-Encoding')
  })

  it('a body at the configured minimum is compressed, one byte less is not', async () => {
    const env = compressing({ minBytes: 4000 })
    expect((await call('/encoded?n=4000', env, { client: 'gzip' })).res.headers.get('content-encoding')).toBe('gzip')
    await expectUntouched('/encoded?n=3999', env)
  })

  it('a type not in the list, without adding Vary', async () => {
    const res = await expectUntouched(`/encoded?${q({ type: 'image/png' })}`, compressing())
    expect(res.headers.get('vary')).toBeNull()
  })

  it('a type left out of a configured list, while a listed one is compressed', async () => {
    const env = compressing({ types: ['application/x-custom'] })
    await expectUntouched('/encoded', env)
    expect((await call(`/encoded?${q({ type: 'application/x-custom; v=1' })}`, env, { client: 'br' })).res.headers.get('content-encoding')).toBe('br')
  })

  it('a response with Cache-Control: no-transform (RFC 9111 section 5.2.2.6)', async () => {
    const res = await expectUntouched(`/encoded?${q({ h: 'Cache-Control: public, no-transform' })}`, compressing())
    expect(res.headers.get('cache-control')).toBe('public, no-transform')
  })

  it('a HEAD request, with the Content-Length of the unencoded body', async () => {
    const { res, bytes } = await call('/encoded', compressing(), { client: 'zstd', method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('content-length')).toBe('16384')
    expect((await bytes()).byteLength).toBe(0)
  })

  it('204, 206 and 304 responses', async () => {
    const env = compressing({ minBytes: 0 })
    const text = 'h=Content-Type: text/plain'
    for (const path of [`/reply?status=204&${text}`, `/reply?status=304&${text}&h=ETag: "v1"`]) {
      const { res, bytes } = await call(path, env, { client: 'gzip, zstd' })
      expect(res.headers.get('content-encoding')).toBeNull()
      expect((await bytes()).byteLength).toBe(0)
    }
    const partial = await expectUntouched(`/reply?status=206&${text}&${q({ h: 'Content-Range: bytes 0-25/100' })}`, env)
    expect(partial.status).toBe(206)
    expect(partial.headers.get('content-range')).toBe('bytes 0-25/100')
  })

  it('a body already in a coding the client accepts, byte for byte with its Content-Length', async () => {
    for (const coding of ['zstd', 'deflate'] as const) {
      const res = await expectUntouched(`/encoded?coding=${coding}`, compressing(), { client: `${coding}, gzip` })
      expect(res.headers.get('content-encoding')).toBe(coding)
    }
  })

  it('a gzip body for a gzip client keeps its coding and Content-Length', async () => {
    // Reading it in JavaScript decodes it (the runtime does for gzip); the e2e tests see the wire.
    const direct = await fromOrigin('/encoded?coding=gzip')
    const { res, bytes } = await call('/encoded?coding=gzip', compressing(), { client: 'gzip, zstd' })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(res.headers.get('content-length')).toBe(direct.res.headers.get('content-length'))
    expectSameBytes(await bytes(), await original(16384))
  })

  it('a body in a coding Portico cannot decode', async () => {
    const { res } = await call(`/reply?${q({ h: ['Content-Type: text/plain', 'Content-Encoding: compress'] })}`, compressing({ minBytes: 0 }), { client: 'gzip' })
    expect(res.headers.get('content-encoding')).toBe('compress')
  })

  it('a WebSocket upgrade', async () => {
    const { res } = await call('/ws', compressing({ minBytes: 0 }), { client: 'gzip', headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
    expect(res.status).toBe(101)
    expect(res.headers.get('content-encoding')).toBeNull()
    const ws = res.webSocket as WebSocket
    ws.accept()
    // The origin greets with what it saw, then echoes.
    const echoed = new Promise<string>((resolve) => ws.addEventListener('message', (e) => String(e.data).startsWith('echo:') && resolve(String(e.data))))
    ws.send('hello')
    expect(await echoed).toBe('echo:hello')
    ws.close()
  })
})

describe('headers that go with a coding', () => {
  it('adds Accept-Encoding to the origin\'s Vary, once', async () => {
    const env = compressing()
    const vary = async (h: string) => (await call(`/encoded?${q({ h: `Vary: ${h}` })}`, env, { client: 'gzip' })).res.headers.get('vary')
    expect(await vary('Origin')).toBe('Origin, Accept-Encoding')
    expect(await vary('Origin, accept-encoding')).toBe('Origin, accept-encoding')
    expect(await vary('*')).toBe('*')
  })

  it('weakens a strong ETag on an encoded response, and keeps it on an unencoded one (RFC 9110 section 8.8.3)', async () => {
    const env = compressing()
    const path = `/encoded?${q({ h: 'ETag: "v1"' })}`
    expect((await call(path, env, { client: 'zstd' })).res.headers.get('etag')).toBe('W/"v1"')
    expect((await call(path, env, { client: 'identity' })).res.headers.get('etag')).toBe('"v1"')
    expect((await call(`/encoded?${q({ h: 'ETag: W/"v2"' })}`, env, { client: 'zstd' })).res.headers.get('etag')).toBe('W/"v2"')
  })

  it('drops Accept-Ranges: byte ranges of the encoded body are not the origin\'s', async () => {
    const { res } = await call(`/encoded?${q({ h: 'Accept-Ranges: bytes' })}`, compressing(), { client: 'br' })
    expect(res.headers.get('content-encoding')).toBe('br')
    expect(res.headers.get('accept-ranges')).toBeNull()
  })
})

describe('an origin\'s coding the client does not accept', () => {
  it.each(['gzip', 'x-gzip', 'br', 'zstd', 'deflate'])('is decoded from %s for an identity client', async (coding) => {
    const expected = await original(64 * 1024)
    const { res, bytes } = await call(`/encoded?coding=${coding}&n=65536`, compressing(), { client: 'identity' })
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('content-length')).toBeNull()
    expect(res.headers.get('vary')).toBe('Accept-Encoding')
    expectSameBytes(await bytes(), expected)
  })

  it.each<[string, Coding]>([
    ['gzip', 'zstd'],
    ['zstd', 'br'],
    ['deflate', 'gzip'],
    ['br', 'deflate'],
  ])('is decoded from %s and encoded as %s for a client that takes only that', async (from, to) => {
    const expected = await original(64 * 1024)
    const { res, bytes } = await call(`/encoded?coding=${from}&n=65536&${q({ h: 'ETag: "e1"' })}`, compressing(), { client: to })
    expect(res.headers.get('content-encoding')).toBe(to)
    expect(res.headers.get('etag')).toBe('W/"e1"')
    expectSameBytes(decodeBody(to, await bytes()), expected)
  })

  it('is decoded but not re-encoded when its type is not in the list', async () => {
    const { res, bytes } = await call(`/encoded?coding=zstd&${q({ type: 'application/octet-stream' })}`, compressing(), { client: 'gzip' })
    expect(res.headers.get('content-encoding')).toBeNull()
    expectSameBytes(await bytes(), await original(16384))
  })

  it('is decoded for a direct call without Accept-Encoding', async () => {
    const { res, bytes } = await call('/encoded?coding=deflate', compressing(), {})
    expect(res.headers.get('content-encoding')).toBeNull()
    expectSameBytes(await bytes(), await original(16384))
  })

  describe('a decompression bomb', () => {
    // A few KiB on the wire that decode to far more than maxDecodedBytes: the client gets an error
    // part way, never a body that ends cleanly.
    it.each<[string, number]>([
      ['zstd', 1024 * MiB],
      ['deflate', 256 * MiB],
      ['gzip', 256 * MiB],
      ['br', 256 * MiB],
    ])('in %s is cut off at maxDecodedBytes', async (coding, n) => {
      const { res, bytes } = await call(`/encoded?coding=${coding}&zeros=1&n=${n}`, compressing({ maxDecodedBytes: MiB }), { client: 'identity' })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-encoding')).toBeNull()
      await expect(bytes()).rejects.toThrow(/exceeds 1048576 bytes/)
    })

    it('is cut off too when it is re-encoded for the client', async () => {
      const { res, bytes } = await call(`/encoded?coding=zstd&zeros=1&n=${1024 * MiB}`, compressing({ maxDecodedBytes: MiB }), { client: 'gzip' })
      expect(res.headers.get('content-encoding')).toBe('gzip')
      await expect(bytes()).rejects.toThrow()
    })

    it('passes whole when it decodes to less than the limit', async () => {
      const { bytes } = await call(`/encoded?coding=zstd&zeros=1&n=${MiB}`, compressing({ maxDecodedBytes: 2 * MiB }), { client: 'identity' })
      expect((await bytes()).byteLength).toBe(MiB)
    })
  })
})

describe('with the cache in front', () => {
  let counter = 0
  /** A path no other test has cached, with a body the cache may keep for a minute. */
  const fresh = (query: { coding?: string; h?: string } = {}) =>
    `/encoded?${q({ ...query, n: 32768, h: ['Cache-Control: max-age=60', ...(query.h ? [query.h] : [])], t: `${Date.now()}-${counter++}` })}`
  const env = () => compressing({}, { cache: {} })

  it('serves one cached copy to a zstd client and an identity client, each in its own coding', async () => {
    const config = env()
    const path = fresh({ h: 'ETag: "c1"' })
    const expected = await original(32768)
    const first = await call(path, config, { client: 'zstd' })
    expect(first.res.headers.get('content-encoding')).toBe('zstd')
    expectSameBytes(decodeBody('zstd', await first.bytes()), expected)

    const identity = await call(path, config, { client: 'identity' })
    expect(identity.res.headers.get('cache-status')).toMatch(/hit/)
    expect(identity.res.headers.get('content-encoding')).toBeNull()
    expect(identity.res.headers.get('etag')).toBe('"c1"')
    expectSameBytes(await identity.bytes(), expected)

    const zstd = await call(path, config, { client: 'zstd' })
    expect(zstd.res.headers.get('cache-status')).toMatch(/hit/)
    expect(zstd.res.headers.get('content-encoding')).toBe('zstd')
    expect(zstd.res.headers.get('etag')).toBe('W/"c1"')
    expectSameBytes(decodeBody('zstd', await zstd.bytes()), expected)

    const br = await call(path, config, { header: 'br' })
    expect(br.res.headers.get('content-encoding')).toBe('br')
    expectSameBytes(decodeBody('br', await br.bytes()), expected)
  })

  it('serves a cached zstd body from the origin as is to zstd clients and decoded to others', async () => {
    const config = env()
    const path = fresh({ coding: 'zstd' })
    const expected = await original(32768)
    const raw = (await fromOrigin(path)).bytes
    expectSameBytes(await (await call(path, config, { client: 'zstd' })).bytes(), raw)

    const zstd = await call(path, config, { client: 'zstd' })
    expect(zstd.res.headers.get('cache-status')).toMatch(/hit/)
    expect(zstd.res.headers.get('content-encoding')).toBe('zstd')
    expectSameBytes(decodeBody('zstd', await zstd.bytes()), expected)

    const identity = await call(path, config, { client: 'identity' })
    expect(identity.res.headers.get('cache-status')).toMatch(/hit/)
    expect(identity.res.headers.get('content-encoding')).toBeNull()
    expectSameBytes(await identity.bytes(), expected)

    const gzip = await call(path, config, { client: 'gzip' })
    expect(gzip.res.headers.get('content-encoding')).toBe('gzip')
    expectSameBytes(decodeBody('gzip', await gzip.bytes()), expected)
  })

  it('serves a cached gzip body from the origin to gzip, zstd and identity clients', async () => {
    const config = env()
    const path = fresh({ coding: 'gzip' })
    const expected = await original(32768)
    await (await call(path, config, { client: 'gzip' })).bytes()

    const zstd = await call(path, config, { client: 'zstd' })
    expect(zstd.res.headers.get('cache-status')).toMatch(/hit/)
    expect(zstd.res.headers.get('content-encoding')).toBe('zstd')
    expectSameBytes(decodeBody('zstd', await zstd.bytes()), expected)

    const identity = await call(path, config, { client: 'identity' })
    expect(identity.res.headers.get('content-encoding')).toBeNull()
    expectSameBytes(await identity.bytes(), expected)

    const gzip = await call(path, config, { client: 'gzip' })
    expect(gzip.res.headers.get('content-encoding')).toBe('gzip')
    expectSameBytes(await gzip.bytes(), expected) // read in JavaScript: the runtime decodes gzip
  })
})
