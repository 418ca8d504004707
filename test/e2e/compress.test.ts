// Compression on the wire: the bytes a client receives from Portico in workerd (Miniflare), read by
// node:http without decompression, decode to exactly what the origin sent; an origin's coding the
// client refuses arrives decoded; a decompression bomb breaks the body off; and an event stream
// compressed with zstd or gzip arrives event by event, each decodable as it comes. Miniflare, like
// Cloudflare's edge, gzips or brotlis an uncompressed answer for a client that accepts it, so the
// identity cases below send an Accept-Encoding without gzip and br.
import http from 'node:http'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeBody } from '../support/decode.ts'
import { send } from './client.ts'
import { config, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

type Coding = 'zstd' | 'br' | 'gzip' | 'deflate'
const CODINGS: Coding[] = ['zstd', 'br', 'gzip', 'deflate']
const MiB = 1024 * 1024

let origin: RunningOrigin
let portico: RunningPortico
let cached: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('compress')
  ;[portico, cached] = await Promise.all([
    startPortico(config({ routes: [{ upstream: origin.url, compress: { maxDecodedBytes: MiB } }] })),
    startPortico(config({ routes: [{ upstream: origin.url, compress: {}, cache: {} }] })),
  ])
})
afterAll(async () => {
  await Promise.all([portico?.close(), cached?.close()])
  await origin?.close()
})

/** The origin's decoded /encoded body of `n` bytes, straight from it. */
async function original(n: number): Promise<Buffer> {
  const res = await send(`${origin.url}/encoded?n=${n}`)
  expect(res.headers['content-encoding']).toBeUndefined()
  return res.body
}

describe('every coding on the wire', () => {
  it.each(CODINGS)('%s decodes to the origin\'s bytes', async (coding) => {
    const expected = await original(256 * 1024)
    const res = await send(portico.at('/encoded?n=262144'), { headers: { 'accept-encoding': coding } })
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBe(coding)
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers.vary).toBe('Accept-Encoding')
    expect(res.complete).toBe(true)
    expect(res.body.length).toBeLessThan(expected.length / 4)
    expect(decodeBody(coding, res.body).equals(expected)).toBe(true)
  })

  it.each(CODINGS)('%s carries a 4 MiB streamed body intact', async (coding) => {
    const expected = await original(4 * MiB)
    const res = await send(portico.at(`/encoded?n=${4 * MiB}&chunked=1`), { headers: { 'accept-encoding': `${coding}, identity;q=0.5` } })
    expect(res.headers['content-encoding']).toBe(coding)
    expect(decodeBody(coding, res.body).equals(expected)).toBe(true)
  })

  it('follows q-values: zstd;q=0.5 loses to deflate', async () => {
    const res = await send(portico.at('/encoded'), { headers: { 'accept-encoding': 'zstd;q=0.5, deflate' } })
    expect(res.headers['content-encoding']).toBe('deflate')
    expect(decodeBody('deflate', res.body).equals(await original(16384))).toBe(true)
  })

  it('sends identity, with its Content-Length, to a client that takes no coding on offer', async () => {
    const res = await send(portico.at('/encoded'), { headers: { 'accept-encoding': 'identity' } })
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.headers['content-length']).toBe('16384')
    expect(res.body.equals(await original(16384))).toBe(true)
  })

  it('passes an origin\'s gzip body to a gzip client byte for byte, Content-Length kept', async () => {
    const direct = await send(`${origin.url}/encoded?coding=gzip`)
    const res = await send(portico.at('/encoded?coding=gzip'), { headers: { 'accept-encoding': 'gzip' } })
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(res.headers['content-length']).toBe(direct.headers['content-length'])
    expect(res.body.equals(direct.body)).toBe(true)
  })

  it('passes an origin\'s zstd body to a zstd client byte for byte, Content-Length kept', async () => {
    const direct = await send(`${origin.url}/encoded?coding=zstd`)
    const res = await send(portico.at('/encoded?coding=zstd'), { headers: { 'accept-encoding': 'zstd, br' } })
    expect(res.headers['content-encoding']).toBe('zstd')
    expect(res.headers['content-length']).toBe(direct.headers['content-length'])
    expect(res.body.equals(direct.body)).toBe(true)
  })
})

describe('an origin coding the client refuses', () => {
  it.each(['gzip', 'x-gzip', 'br', 'zstd', 'deflate'])('arrives decoded from %s for an identity client', async (coding) => {
    const res = await send(portico.at(`/encoded?coding=${coding}&n=65536`), { headers: { 'accept-encoding': 'identity' } })
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.complete).toBe(true)
    expect(res.body.equals(await original(65536))).toBe(true)
  })

  it.each<[string, Coding]>([
    ['zstd', 'gzip'],
    ['gzip', 'zstd'],
    ['deflate', 'br'],
  ])('arrives re-encoded from %s as %s', async (from, to) => {
    const res = await send(portico.at(`/encoded?coding=${from}&n=65536`), { headers: { 'accept-encoding': to } })
    expect(res.headers['content-encoding']).toBe(to)
    expect(decodeBody(to, res.body).equals(await original(65536))).toBe(true)
  })

  it.each(['zstd', 'gzip'])('cuts the body of a %s bomb off at maxDecodedBytes', async (coding) => {
    const res = await send(portico.at(`/encoded?coding=${coding}&zeros=1&n=${256 * MiB}`), { headers: { 'accept-encoding': 'identity' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.body.length).toBeLessThanOrEqual(MiB)
  })

  // workerd bug (as in errors.test.ts): Portico errors the body stream at the limit, but workerd's
  // HTTP server still writes the last chunk of the chunked response, so an identity client cannot
  // tell the cut from a clean end (the integration tests see the error in the stream). Unskip when
  // workerd ends such a response without the last chunk.
  it.skip('never frames a bomb cut off for an identity client as complete', async () => {
    const res = await send(portico.at(`/encoded?coding=zstd&zeros=1&n=${256 * MiB}`), { headers: { 'accept-encoding': 'identity' } })
    expect(res.complete).toBe(false)
  })

  it('cuts a bomb re-encoded for the client off before its coding\'s end, so the client\'s decoder fails', async () => {
    const res = await send(portico.at(`/encoded?coding=zstd&zeros=1&n=${256 * MiB}`), { headers: { 'accept-encoding': 'gzip' } })
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(() => zlib.gunzipSync(res.body)).toThrow(/unexpected end of file/i)
    // What did arrive decodes to no more than the limit.
    const partial = zlib.gunzipSync(res.body, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
    expect(partial.length).toBeLessThanOrEqual(MiB)
  })
})

describe('with the cache', () => {
  it('serves the cached copy to a zstd client and an identity client, each decoding to the origin\'s bytes', async () => {
    const path = `/encoded?n=65536&h=${encodeURIComponent('Cache-Control: max-age=60')}&t=${Date.now()}`
    const expected = await original(65536)
    const first = await send(cached.at(path), { headers: { 'accept-encoding': 'zstd' } })
    expect(first.headers['content-encoding']).toBe('zstd')
    expect(decodeBody('zstd', first.body).equals(expected)).toBe(true)
    await new Promise((r) => setTimeout(r, 200)) // the cache write finishes after the response

    const identity = await send(cached.at(path), { headers: { 'accept-encoding': 'identity' } })
    expect(identity.headers['cache-status']).toMatch(/; hit/)
    expect(identity.headers['content-encoding']).toBeUndefined()
    expect(identity.body.equals(expected)).toBe(true)

    const zstd = await send(cached.at(path), { headers: { 'accept-encoding': 'zstd' } })
    expect(zstd.headers['cache-status']).toMatch(/; hit/)
    expect(zstd.headers['content-encoding']).toBe('zstd')
    expect(decodeBody('zstd', zstd.body).equals(expected)).toBe(true)
  })
})

interface Arrival {
  atMs: number
  /** What the decoder gave for this piece of the wire. */
  decoded: string
}

/**
 * GET an event stream, feeding each piece of the body to a streaming decoder the moment it
 * arrives; what each piece decoded to, and when.
 */
function decodeAsItArrives(url: string, acceptEncoding: string): Promise<{ coding: string | undefined; arrivals: Arrival[]; endMs: number }> {
  const start = performance.now()
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { 'accept-encoding': acceptEncoding } }, (res) => {
        const coding = res.headers['content-encoding']
        const z =
          coding === 'zstd' ? zlib.createZstdDecompress() : coding === 'br' ? zlib.createBrotliDecompress() : coding === 'gzip' ? zlib.createGunzip() : coding === 'deflate' ? zlib.createInflate() : undefined
        if (!z) return reject(new Error(`not encoded: ${coding}`))
        const arrivals: Arrival[] = []
        let pending = Promise.resolve()
        res.on('data', (piece: Buffer) => {
          const atMs = performance.now() - start
          // One piece at a time: what the decoder emits before its write callback belongs to this piece.
          pending = pending.then(
            () =>
              new Promise<void>((done) => {
                const out: Buffer[] = []
                const take = (d: Buffer) => out.push(d)
                z.on('data', take)
                z.write(piece, () => {
                  z.off('data', take)
                  arrivals.push({ atMs, decoded: Buffer.concat(out).toString() })
                  done()
                })
              }),
          )
        })
        res.on('end', () => void pending.then(() => resolve({ coding, arrivals, endMs: performance.now() - start })))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

describe('event streams', () => {
  const COUNT = 5
  const INTERVAL_MS = 400

  it.each(['zstd', 'gzip', 'br', 'deflate'])('arrive through %s event by event, each decodable as it arrives', async (coding) => {
    const { coding: received, arrivals, endMs } = await decodeAsItArrives(portico.at(`/sse?count=${COUNT}&interval=${INTERVAL_MS}`), coding)
    expect(received).toBe(coding)
    const events = arrivals.map((a) => a.decoded).join('').split('\n\n').filter(Boolean)
    expect(events).toEqual(Array.from({ length: COUNT }, (_, i) => `id: ${i}\ndata: tick ${i} from compress`))
    // When each event became readable: the piece whose decoded text completed it.
    const readableAt = Array.from({ length: COUNT }, (_, i) => {
      let text = ''
      for (const a of arrivals) {
        text += a.decoded
        if (text.includes(`data: tick ${i} from compress\n\n`)) return a.atMs
      }
      return Number.POSITIVE_INFINITY
    })
    // The first event is readable long before the stream ends, and each one about an interval after the last.
    expect(readableAt[0]).toBeLessThan(endMs - (COUNT - 2) * INTERVAL_MS)
    for (let i = 1; i < COUNT; i++) expect(readableAt[i]! - readableAt[i - 1]!).toBeGreaterThan(INTERVAL_MS / 2)
  })
})
