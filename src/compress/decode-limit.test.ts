// The bound on decoded bytes, alone and behind the decoders: a decompression bomb (a small body that
// decodes to far more than the limit) errors at the limit instead of reaching the client whole.
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decoder } from './codecs/index.ts'
import { fromZlib } from './codecs/zlib-stream.ts'
import { DecodedTooLarge, limitBytes } from './decode-limit.ts'

const KiB = 1024
const MiB = 1024 * KiB

/** Read `stream` to its end or its error, counting bytes; never holds the body. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; error: unknown }> {
  const reader = stream.getReader()
  let bytes = 0
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return { bytes, error: undefined }
      bytes += value.byteLength
    }
  } catch (error) {
    return { bytes, error }
  }
}

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk)
      c.close()
    },
  })
}

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

/** `mebibytes` MiB of zeros as zstd: concatenated frames decode as one body, 1 MiB each. */
function zstdBomb(mebibytes: number): Uint8Array {
  const frame = zlib.zstdCompressSync(new Uint8Array(MiB))
  const bomb = new Uint8Array(frame.byteLength * mebibytes)
  for (let i = 0; i < mebibytes; i++) bomb.set(frame, i * frame.byteLength)
  return bomb
}

describe('limitBytes', () => {
  it('passes a body of exactly the limit untouched', async () => {
    const body = [new Uint8Array(600).fill(1), new Uint8Array(424).fill(2)]
    const out = new Uint8Array(await new Response(streamOf(body).pipeThrough(limitBytes(KiB))).arrayBuffer())
    expect(out.byteLength).toBe(KiB)
    expect(out[0]).toBe(1)
    expect(out[KiB - 1]).toBe(2)
  })

  it('errors one byte past the limit, having passed on no more than the limit', async () => {
    const { bytes, error } = await drain(streamOf([new Uint8Array(KiB), new Uint8Array(1)]).pipeThrough(limitBytes(KiB)))
    expect(error).toBeInstanceOf(DecodedTooLarge)
    expect((error as Error).message).toBe('decoded body exceeds 1024 bytes')
    expect(bytes).toBeLessThanOrEqual(KiB)
  })

  it('errors on a single chunk larger than the limit without passing any of it on', async () => {
    const { bytes, error } = await drain(streamOf([new Uint8Array(KiB + 1)]).pipeThrough(limitBytes(KiB)))
    expect(error).toBeInstanceOf(DecodedTooLarge)
    expect(bytes).toBe(0)
  })

  it('cancels the source once the limit is passed, so the rest is never read', async () => {
    let pulled = 0
    let cancelled = false
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++
        c.enqueue(new Uint8Array(KiB))
      },
      cancel() {
        cancelled = true
      },
    })
    const { error } = await drain(endless.pipeThrough(limitBytes(16 * KiB)))
    expect(error).toBeInstanceOf(DecodedTooLarge)
    expect(cancelled).toBe(true)
    expect(pulled).toBeLessThan(64)
  })
})

describe('a decompression bomb behind a decoder', () => {
  it('is cut off at the limit for zstd (1 GiB of zeros in 50 KiB)', async () => {
    const bomb = zstdBomb(1024)
    expect(bomb.byteLength).toBeLessThan(64 * KiB)
    const started = Date.now()
    const { bytes, error } = await drain(streamOf(pieces(bomb, 16 * KiB)).pipeThrough(decoder('zstd')).pipeThrough(limitBytes(MiB)))
    expect(error).toBeInstanceOf(DecodedTooLarge)
    expect(bytes).toBeLessThanOrEqual(MiB)
    // Decoding the whole gigabyte takes seconds; stopping at the limit takes a moment.
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('is cut off at the limit for deflate (64 MiB of zeros in 64 KiB)', async () => {
    const bomb = zlib.deflateSync(new Uint8Array(64 * MiB), { level: 9 })
    expect(bomb.byteLength).toBeLessThan(128 * KiB)
    const { bytes, error } = await drain(streamOf(pieces(bomb, 16 * KiB)).pipeThrough(decoder('deflate')).pipeThrough(limitBytes(MiB)))
    expect(error).toBeInstanceOf(DecodedTooLarge)
    expect(bytes).toBeLessThanOrEqual(MiB)
  })

  it.each(['zstd', 'deflate'] as const)('is decoded by %s only as far as it is read, never whole in memory', async (coding) => {
    // The decoders are node:zlib streams (codecs/index.ts); counting what zlib itself produced shows
    // it stopped near the limit, even with the whole bomb written in one chunk.
    const bomb = coding === 'zstd' ? zstdBomb(1024) : zlib.deflateSync(new Uint8Array(64 * MiB))
    const z = coding === 'zstd' ? zlib.createZstdDecompress() : zlib.createInflate()
    const pair = fromZlib(z)
    let produced = 0
    z.on('data', (d: Uint8Array) => (produced += d.byteLength))
    const { error } = await drain(streamOf([bomb]).pipeThrough(pair).pipeThrough(limitBytes(MiB)))
    expect(error).toBeInstanceOf(DecodedTooLarge)
    await new Promise((r) => setTimeout(r, 100))
    expect(produced).toBeLessThan(MiB + 256 * KiB)
    expect(z.destroyed).toBe(true)
  })

  it('lets a body that decodes to just under the limit through whole', async () => {
    const original = new Uint8Array(MiB - 1).fill(0x61)
    const { bytes, error } = await drain(streamOf([zlib.deflateSync(original)]).pipeThrough(decoder('deflate')).pipeThrough(limitBytes(MiB)))
    expect(error).toBeUndefined()
    expect(bytes).toBe(MiB - 1)
  })
})
