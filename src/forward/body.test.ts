import { describe, expect, it } from 'vitest'
import { prepareBody } from './body.ts'

const MAX = 1_024

/** Bytes that differ from position to position, so a lost or repeated chunk shows. */
function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff
  return out
}

async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** What an attempt would send: the body read as fetch would read it. */
async function sent(body: BodyInit | null): Promise<string> {
  return sha256(await new Response(body).arrayBuffer())
}

/** A request with a declared length, as a client sends a buffered body. */
const sized = (bytes: Uint8Array, method = 'POST') =>
  new Request('https://www.example.com/upload', { method, body: bytes, headers: { 'content-length': String(bytes.byteLength) } })

/** A request whose length is unknown (chunked), arriving in `chunkBytes` pieces. */
function chunked(bytes: Uint8Array, chunkBytes = 300): Request {
  let at = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close()
      controller.enqueue(bytes.slice(at, at + chunkBytes))
      at += chunkBytes
    },
  })
  return new Request('https://www.example.com/upload', { method: 'POST', body })
}

describe('prepareBody', () => {
  it.each([
    ['a declared length', (b: Uint8Array) => sized(b)],
    ['an unknown length (chunked)', (b: Uint8Array) => chunked(b)],
  ])('keeps a small body with %s so every attempt sends the same bytes', async (_what, make) => {
    const bytes = pattern(1_000)
    const body = await prepareBody(make(bytes), true, MAX)
    expect(body.replayable).toBe(true)
    const want = await sha256(bytes)
    expect(await sent(body.next())).toBe(want)
    expect(await sent(body.next())).toBe(want)
    expect(await sent(body.next())).toBe(want)
  })

  it.each([
    ['a declared length', (b: Uint8Array) => sized(b)],
    ['an unknown length', (b: Uint8Array) => chunked(b, 256)],
  ])('keeps a body of exactly maxBodyBytes with %s', async (_what, make) => {
    const bytes = pattern(MAX)
    const body = await prepareBody(make(bytes), true, MAX)
    expect(body.replayable).toBe(true)
    expect(await sent(body.next())).toBe(await sha256(bytes))
  })

  it.each([
    ['a declared length', (b: Uint8Array) => sized(b)],
    ['an unknown length (the part read ahead goes out first)', (b: Uint8Array) => chunked(b)],
  ])('streams a larger body with %s once, intact, and refuses to send it twice', async (_what, make) => {
    const bytes = pattern(100_000)
    const body = await prepareBody(make(bytes), true, MAX)
    expect(body.replayable).toBe(false)
    expect(await sent(body.next())).toBe(await sha256(bytes))
    expect(() => body.next()).toThrow(/cannot be sent twice/)
  })

  it('does not wait for a large body of unknown length to finish arriving', async () => {
    let finish: () => void = () => {}
    const head = pattern(3 * MAX)
    const tail = pattern(10)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head.slice(0, 2 * MAX))
        controller.enqueue(head.slice(2 * MAX))
        finish = () => {
          controller.enqueue(tail)
          controller.close()
        }
      },
    })
    // The client is still sending: prepareBody must hand the stream on rather than wait for its end.
    const body = await prepareBody(new Request('https://www.example.com/upload', { method: 'POST', body: stream }), true, MAX)
    expect(body.replayable).toBe(false)
    const reading = sent(body.next())
    finish()
    const all = new Uint8Array(head.byteLength + tail.byteLength)
    all.set(head)
    all.set(tail, head.byteLength)
    expect(await reading).toBe(await sha256(all))
  })

  it('streams even a small body when the request may not be retried (keep = false)', async () => {
    const bytes = pattern(10)
    const body = await prepareBody(sized(bytes), false, MAX)
    expect(body.replayable).toBe(false)
    expect(await sent(body.next())).toBe(await sha256(bytes))
    expect(() => body.next()).toThrow()
  })

  it.each(['GET', 'HEAD'])('gives %s no body, any number of times', async (method) => {
    const body = await prepareBody(new Request('https://www.example.com/', { method }), true, MAX)
    expect(body.replayable).toBe(true)
    expect(body.next()).toBeNull()
    expect(body.next()).toBeNull()
  })

  it('gives a POST without a body none, and lets it be retried', async () => {
    const body = await prepareBody(new Request('https://www.example.com/', { method: 'POST' }), true, MAX)
    expect(body.replayable).toBe(true)
    expect(body.next()).toBeNull()
  })

  it('keeps an empty body with a declared length of 0', async () => {
    const body = await prepareBody(sized(new Uint8Array(0)), true, MAX)
    expect(body.replayable).toBe(true)
    expect(await sent(body.next())).toBe(await sha256(new Uint8Array(0)))
  })
})
