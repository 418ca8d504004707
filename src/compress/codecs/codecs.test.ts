// Every coding encodes and decodes inside workerd: what comes out of an encoder, decoded by an
// independent decoder (node:zlib, DecompressionStream), is byte for byte what went in; with a flush
// per chunk, every chunk's bytes are decodable as soon as the encoder hands them over.
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeBody } from '../../../test/support/decode.ts'
import { concatBytes } from '../../http/bytes.ts'
import type { Coding } from '../negotiate.ts'
import { DEFAULT_LEVELS, decoder, encoder } from './index.ts'

const CODINGS: Coding[] = ['zstd', 'br', 'gzip', 'deflate']
const MiB = 1024 * 1024

/** Text that compresses like a real page: words repeated in varying order. */
function text(bytes: number): Uint8Array {
  const words = ['portico', 'proxy', 'worker', 'edge', 'cache', 'origin', 'stream', 'zstd', 'brotli', 'gzip', '\n']
  const out = new Uint8Array(bytes)
  let seed = 7
  for (let i = 0; i < bytes; ) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    const word = new TextEncoder().encode(`${words[seed % words.length]} `)
    out.set(word.subarray(0, bytes - i), i)
    i += word.length
  }
  return out
}

/** Bytes that do not compress: a compressing encoder must still round-trip them. */
function noise(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(bytes, i + 65536)))
  return out
}

function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size))
  return out
}

const concat = (chunks: readonly Uint8Array[]): Uint8Array => concatBytes(chunks, chunks.reduce((n, c) => n + c.byteLength, 0))

/** Everything `ts` produces from `chunks`, written one at a time. */
async function through(ts: ReadableWritablePair<Uint8Array, Uint8Array>, chunks: readonly Uint8Array[]): Promise<Uint8Array> {
  const written = (async () => {
    const writer = ts.writable.getWriter()
    for (const c of chunks) await writer.write(c)
    await writer.close()
  })()
  const [out] = await Promise.all([new Response(ts.readable).arrayBuffer(), written])
  return new Uint8Array(out)
}

/**
 * A reference encoding straight from node:zlib. zstd goes through the streaming API with a flush
 * before the end: workerd's zstd encoder (zstdCompressSync included) fails with "Unexpected end
 * of file" when it ends with more than a block of incompressible input pending.
 */
async function encodeWithZlib(coding: Coding, bytes: Uint8Array): Promise<Uint8Array> {
  switch (coding) {
    case 'gzip':
      return zlib.gzipSync(bytes)
    case 'deflate':
      return zlib.deflateSync(bytes)
    case 'br':
      return zlib.brotliCompressSync(bytes)
    case 'zstd': {
      const z = zlib.createZstdCompress()
      const out: Uint8Array[] = []
      z.on('data', (d: Uint8Array) => out.push(d))
      await new Promise((resolve, reject) => {
        z.once('end', resolve)
        z.once('error', reject)
        z.write(bytes, () => z.flush(zlib.constants.ZSTD_e_flush, () => z.end()))
      })
      return concat(out)
    }
  }
}

const equalBytes = (actual: Uint8Array, expected: Uint8Array) => {
  expect(actual.byteLength).toBe(expected.byteLength)
  // toEqual on 1 MiB arrays is slow and its diff unreadable: compare, then report the first difference.
  const at = actual.findIndex((b, i) => b !== expected[i])
  expect(at, `first differing byte`).toBe(-1)
}

const BODIES: Array<[string, () => Uint8Array, number]> = [
  ['an empty body', () => new Uint8Array(0), 1],
  ['one byte', () => new Uint8Array([42]), 1],
  ['a 5 KiB page in 1 KiB chunks', () => text(5 * 1024), 1024],
  ['1 MiB of text in 64 KiB chunks', () => text(MiB), 65536],
  ['1 MiB of text in one chunk', () => text(MiB), MiB],
  ['1 MiB of incompressible bytes in 16 KiB chunks', () => noise(MiB), 16384],
  // More than a zstd block (128 KiB) of incompressible input pending at the end.
  ['200,000 incompressible bytes in one chunk', () => noise(200_000), 200_000],
]

describe.each(CODINGS)('%s encoder', (coding) => {
  describe.each([false, true])('flushEachChunk %s', (flushEachChunk) => {
    it.each(BODIES)('round-trips %s byte for byte', async (_, make, chunkBytes) => {
      const original = make()
      const encoded = await through(encoder(coding, DEFAULT_LEVELS, flushEachChunk), original.byteLength ? split(original, chunkBytes) : [])
      expect(encoded.byteLength).toBeGreaterThan(0) // even an empty body is a valid, non-empty stream
      equalBytes(decodeBody(coding, encoded), original)
    })
  })

  it('shrinks text', async () => {
    const original = text(MiB)
    const encoded = await through(encoder(coding, DEFAULT_LEVELS, false), split(original, 65536))
    expect(encoded.byteLength).toBeLessThan(original.byteLength / 3)
  })

  it.each([false, true])('honours the configured level (flushEachChunk %s)', async (flushEachChunk) => {
    const original = text(256 * 1024)
    const low = { gzip: 1, deflate: 1, br: 0, zstd: 1 }
    const high = { gzip: 9, deflate: 9, br: 11, zstd: 19 }
    const fast = await through(encoder(coding, low, flushEachChunk), split(original, 65536))
    const small = await through(encoder(coding, high, flushEachChunk), split(original, 65536))
    expect(small.byteLength).toBeLessThan(fast.byteLength)
    equalBytes(decodeBody(coding, fast), original)
    equalBytes(decodeBody(coding, small), original)
  })
})

describe.each(['gzip', 'deflate'] as const)('%s encoder against DecompressionStream', (coding) => {
  it.each([false, true])('round-trips 1 MiB (flushEachChunk %s)', async (flushEachChunk) => {
    const original = text(MiB)
    const encoded = await through(encoder(coding, DEFAULT_LEVELS, flushEachChunk), split(original, 65536))
    equalBytes(await through(new DecompressionStream(coding) as TransformStream<Uint8Array, Uint8Array>, [encoded]), original)
  })
})

describe.each(CODINGS)('%s encoder flushing each chunk', (coding) => {
  it('hands over every chunk\'s bytes before the next chunk is written, decodable at once', async () => {
    const events = Array.from({ length: 5 }, (_, i) => new TextEncoder().encode(`id: ${i}\ndata: tick ${i}\n\n`))
    const enc = encoder(coding, DEFAULT_LEVELS, true)
    const writer = enc.writable.getWriter()
    const reader = enc.readable.getReader()
    const dec = incrementalDecoder(coding)
    for (const event of events) {
      void writer.write(event)
      // Read what the encoder gives for this event: it must decode to the event, whole.
      let decoded: Uint8Array = new Uint8Array(0)
      while (decoded.byteLength < event.byteLength) {
        const { value, done } = await reader.read()
        expect(done).toBe(false)
        decoded = concat([decoded, await dec.push(value as Uint8Array)])
      }
      expect(new TextDecoder().decode(decoded)).toBe(new TextDecoder().decode(event))
    }
    void writer.close()
    const rest: Uint8Array[] = []
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest.push(value)
    }
    expect((await dec.end(concat(rest))).byteLength).toBe(0)
  })

  it('does not flush without being asked: a short stream leaves as one piece at the end', async () => {
    const enc = encoder(coding, DEFAULT_LEVELS, false)
    const writer = enc.writable.getWriter()
    const reader = enc.readable.getReader()
    void writer.write(new TextEncoder().encode('data: one\n\n'))
    void writer.write(new TextEncoder().encode('data: two\n\n'))
    const early = await Promise.race([reader.read().then(({ value }) => value?.byteLength ?? 0), new Promise<'nothing'>((r) => setTimeout(() => r('nothing'), 50))])
    // Codings may emit a header first (gzip's 10 bytes), but never the encoded events before the end.
    if (early !== 'nothing') expect(early).toBeLessThanOrEqual(10)
    void writer.close()
    reader.releaseLock()
  })
})

/**
 * A streaming node:zlib decoder fed piece by piece; push() returns what that piece decoded to,
 * which is all of it when the encoder flushed.
 */
function incrementalDecoder(coding: Coding) {
  const z = coding === 'gzip' ? zlib.createGunzip() : coding === 'deflate' ? zlib.createInflate() : coding === 'br' ? zlib.createBrotliDecompress() : zlib.createZstdDecompress()
  let out: Uint8Array[] = []
  z.on('data', (d: Uint8Array) => out.push(d))
  const take = () => {
    const all = concat(out)
    out = []
    return all
  }
  return {
    push: (bytes: Uint8Array) => new Promise<Uint8Array>((resolve, reject) => z.write(bytes, (err) => (err ? reject(err) : resolve(take())))),
    end: (bytes: Uint8Array) =>
      new Promise<Uint8Array>((resolve, reject) => {
        z.once('end', () => resolve(take()))
        z.once('error', reject)
        z.end(bytes)
      }),
  }
}

describe.each(['deflate', 'zstd', 'x-gzip'] as const)('%s decoder', (coding) => {
  const encoding = coding === 'x-gzip' ? 'gzip' : coding
  it.each(BODIES)('decodes %s byte for byte', async (_, make, chunkBytes) => {
    const original = make()
    const encoded = await encodeWithZlib(encoding, original)
    equalBytes(await through(decoder(coding), split(encoded, chunkBytes)), original)
  })

  it('decodes what the encoder produced, both flushed and not', async () => {
    const original = text(MiB)
    for (const flush of [false, true]) {
      const encoded = await through(encoder(encoding, DEFAULT_LEVELS, flush), split(original, 65536))
      equalBytes(await through(decoder(coding), split(encoded, 1000)), original)
    }
  })

  it('errors on a corrupt body instead of passing garbage on', async () => {
    const encoded = await encodeWithZlib(encoding, text(64 * 1024))
    const corrupt = encoded.slice()
    corrupt.fill(0x55, 8, 40)
    await expect(through(decoder(coding), [corrupt])).rejects.toThrow()
  })

  it('errors on a body cut short', async () => {
    const encoded = await encodeWithZlib(encoding, noise(64 * 1024))
    await expect(through(decoder(coding), [encoded.slice(0, encoded.byteLength - 100)])).rejects.toThrow()
  })
})
