// A WebSocket upgrade goes through Portico to the origin and the socket then carries messages both
// ways. Node 22's global WebSocket is the client; the demo origin's /ws greets with what it
// received and echoes every message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

let origin: RunningOrigin
let portico: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('sockets')
  portico = await startPortico(
    config({
      routes: [
        { match: { path: '/live' }, rewrite: { stripPrefix: true }, upstream: origin.url },
        { match: { path: '/brief' }, rewrite: { stripPrefix: true }, upstream: origin.url, timeouts: { firstByteMs: 300 } },
        { upstream: origin.url },
      ],
    }),
  )
})
afterAll(async () => {
  await portico?.close()
  await origin?.close()
})

interface Greeting {
  origin: string
  path: string
  headers: Record<string, string | undefined>
}

/** Open a WebSocket and collect what arrives; `next()` waits for the next message. */
async function connect(path: string, headers?: Record<string, string>) {
  // Node's (undici's) WebSocket takes { headers } as its second argument; the DOM type knows only protocols.
  const ws = new WebSocket(portico.at(path).replace(/^http/, 'ws'), headers ? ({ headers } as unknown as string[]) : undefined)
  ws.binaryType = 'arraybuffer'
  const queue: Array<string | ArrayBuffer> = []
  const waiting: Array<(m: string | ArrayBuffer) => void> = []
  ws.addEventListener('message', (e: MessageEvent) => {
    const data = e.data as string | ArrayBuffer
    const take = waiting.shift()
    if (take) take(data)
    else queue.push(data)
  })
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new Error(`WebSocket to ${path} failed to open`)), { once: true })
  })
  const next = () =>
    new Promise<string | ArrayBuffer>((resolve, reject) => {
      const queued = queue.shift()
      if (queued !== undefined) return resolve(queued)
      const timer = setTimeout(() => reject(new Error('no WebSocket message within 5 s')), 5_000)
      waiting.push((m) => {
        clearTimeout(timer)
        resolve(m)
      })
    })
  return { ws, next, greeting: JSON.parse((await next()) as string) as Greeting }
}

function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => ws.addEventListener('close', (e) => resolve(e), { once: true }))
}

describe('WebSocket', () => {
  it('passes an upgrade through to the origin and echoes text both ways', async () => {
    const { ws, next, greeting } = await connect('/ws')
    expect(greeting).toMatchObject({ origin: 'sockets', path: '/ws' })
    ws.send('hello')
    expect(await next()).toBe('echo:hello')
    ws.send('again')
    expect(await next()).toBe('echo:again')
    const done = closed(ws)
    ws.close(1000, 'bye')
    expect((await done).code).toBe(1000)
  })

  it('carries binary messages unchanged', async () => {
    const { ws, next } = await connect('/ws')
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256)
    ws.send(bytes)
    expect(new Uint8Array((await next()) as ArrayBuffer)).toEqual(bytes)
    ws.close()
  })

  it('sends the upgrade with forwarding headers, Via and the request id', async () => {
    const { ws, greeting } = await connect('/ws', { 'X-Request-Id': 'socket-test-1', 'X-Forwarded-For': '203.0.113.9' })
    expect(greeting.headers.upgrade?.toLowerCase()).toBe('websocket')
    expect(greeting.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(greeting.headers.via).toBe('1.1 portico')
    expect(greeting.headers['x-request-id']).toBe('socket-test-1')
    ws.close()
  })

  it('keeps a socket open long after firstByteMs (the limit is on the upgrade answer only)', async () => {
    const { ws, next } = await connect('/brief/ws')
    let closedEarly = false
    ws.addEventListener('close', () => (closedEarly = true), { once: true })
    await new Promise((r) => setTimeout(r, 900)) // three times the route's firstByteMs
    expect(closedEarly).toBe(false)
    ws.send('still here')
    expect(await next()).toBe('echo:still here')
    ws.close()
  })

  it('upgrades under a stripped route prefix', async () => {
    const { ws, next, greeting } = await connect('/live/ws')
    expect(greeting.path).toBe('/ws')
    ws.send('through the prefix')
    expect(await next()).toBe('echo:through the prefix')
    ws.close()
  })
})
