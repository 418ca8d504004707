// Bodies stream through Portico in both directions: a large upload is never held whole, a large
// download arrives intact, and a slow origin's bytes reach the client as they are written. Timing
// checks are relative (first chunk well before the last), never tight wall-clock numbers.
import { createHash } from 'node:crypto'
import http from 'node:http'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './client.ts'
import { config, echoOf, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const MiB = 1024 * 1024
const LARGE_BYTES = 64 * MiB

let origin: RunningOrigin
let portico: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('streaming')
  portico = await startPortico(config({ routes: [{ upstream: origin.url }] }))
})
afterAll(async () => {
  await portico?.close()
  await origin?.close()
})

interface Arrival {
  status: number
  headers: http.IncomingHttpHeaders
  /** Each piece of body as it arrived, with ms since the request was sent. */
  pieces: Array<{ atMs: number; text: string }>
  endMs: number
}

/** GET `url`, noting when each piece of the body arrives. */
function timedGet(url: string): Promise<Arrival> {
  const start = performance.now()
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const pieces: Arrival['pieces'] = []
        res.setEncoding('utf8')
        res.on('data', (text: string) => pieces.push({ atMs: performance.now() - start, text }))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, pieces, endMs: performance.now() - start }))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

describe('uploads', () => {
  it('streams a 64 MiB upload to the origin intact', async () => {
    const sent = createHash('sha256')
    async function* body() {
      // 1 MiB blocks, each a different byte, produced on demand: never a 64 MiB buffer.
      for (let i = 0; i < LARGE_BYTES / MiB; i++) {
        const block = Buffer.alloc(MiB, i)
        sent.update(block)
        yield block
      }
    }
    const res = await send(portico.at('/echo/upload'), { method: 'POST', body: Readable.from(body()), headers: { 'content-type': 'application/octet-stream' } })
    expect(res.status).toBe(200)
    const echo = echoOf(res.body)
    expect(echo.bodyBytes).toBe(LARGE_BYTES)
    expect(echo.bodySha256).toBe(sent.digest('hex'))
  })

  it('starts forwarding an upload before the client has finished sending it', async () => {
    // The client holds back the rest of its body until the origin has the request: a proxy that
    // buffered uploads would never let that happen, and this test would time out.
    const before = origin.seen.length
    const deadline = Date.now() + 5_000
    let originHadRequestMidUpload = false
    async function* body() {
      yield Buffer.alloc(256 * 1024, 'a')
      while (origin.seen.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      originHadRequestMidUpload = origin.seen.length > before
      yield Buffer.alloc(256 * 1024, 'b')
    }
    const res = await send(portico.at('/echo/held-back'), { method: 'POST', body: Readable.from(body()) })
    expect(originHadRequestMidUpload).toBe(true)
    expect(echoOf(res.body).bodyBytes).toBe(512 * 1024)
  })

  it('forwards a fixed-length upload with its length', async () => {
    const body = Buffer.alloc(3 * MiB, 'upload-')
    const res = await send(portico.at('/echo/fixed'), { method: 'PUT', body, headers: { 'content-length': String(body.length) } })
    const echo = echoOf(res.body)
    expect(echo.bodyBytes).toBe(body.length)
    expect(echo.bodySha256).toBe(createHash('sha256').update(body).digest('hex'))
  })
})

describe('downloads', () => {
  it('streams a 64 MiB download to the client intact', async () => {
    // The origin writes "portico-" over and over; 65536-byte blocks keep the pattern unbroken.
    const expected = createHash('sha256')
    const block = Buffer.alloc(MiB, 'portico-')
    for (let i = 0; i < LARGE_BYTES / MiB; i++) expected.update(block)

    const got = createHash('sha256')
    let bytes = 0
    const { status, length } = await new Promise<{ status: number; length: string | undefined }>((resolve, reject) => {
      http
        .get(portico.at(`/bytes?n=${LARGE_BYTES}`), { agent: false }, (res) => {
          res.on('data', (c: Buffer) => {
            got.update(c)
            bytes += c.length
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'] }))
          res.on('error', reject)
        })
        .on('error', reject)
    })
    expect(status).toBe(200)
    expect(length).toBe(String(LARGE_BYTES))
    expect(bytes).toBe(LARGE_BYTES)
    expect(got.digest('hex')).toBe(expected.digest('hex'))
  })

  it("delivers a slow origin's first bytes before the origin has finished", async () => {
    const intervalMs = 250
    const res = await timedGet(portico.at(`/drip?chunks=6&interval=${intervalMs}`))
    expect(res.status).toBe(200)
    expect(res.pieces.map((p) => p.text).join('')).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\ndone\n')
    const first = res.pieces[0]
    expect(first?.text.startsWith('chunk 0')).toBe(true)
    // The origin needs six intervals for the whole body; the first chunk must not wait for them.
    expect(res.endMs - (first?.atMs ?? Infinity)).toBeGreaterThan(3 * intervalMs)
    expect(res.pieces.length).toBeGreaterThan(2)
  })
})

describe('Server-Sent Events', () => {
  it('delivers events one by one as the origin sends them', async () => {
    const intervalMs = 300
    const start = performance.now()
    const res = await fetch(portico.at(`/sse?count=4&interval=${intervalMs}`), { headers: { accept: 'text/event-stream' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream')

    const events: Array<{ atMs: number; id: string; data: string }> = []
    const decoder = new TextDecoder()
    let buffered = ''
    for await (const chunk of res.body as ReadableStream<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true })
      let end: number
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const fields = Object.fromEntries(buffered.slice(0, end).split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
        events.push({ atMs: performance.now() - start, id: fields.id ?? '', data: fields.data ?? '' })
        buffered = buffered.slice(end + 2)
      }
    }
    expect(events.map((e) => [e.id, e.data])).toEqual([0, 1, 2, 3].map((i) => [String(i), `tick ${i} from streaming`]))
    // Each event was readable on its own, about one interval after the one before.
    const first = events[0]?.atMs ?? Infinity
    const last = events[3]?.atMs ?? 0
    expect(last - first).toBeGreaterThan(2 * intervalMs)
  })
})
