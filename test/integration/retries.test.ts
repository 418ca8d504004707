/// <reference types="@cloudflare/vitest-plugin/types" />
// Retries through the whole Worker against the real loopback origin: upstreams told apart by base
// path, a dead one on a closed port. What a client notices: a failure it never sees, a POST that
// is not sent twice, a body that arrives whole on the second try.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index.ts'
import type { PorticoEnv } from '../../src/config/index.ts'
import { echoOf, ORIGIN_URL, problemOf, testEnv, withConfig } from './harness.ts'

/** Nothing listens on port 1: connections are refused at once. */
const DEAD = 'http://127.0.0.1:1'
/** The same origin under another name: a second upstream with its own key. */
const ORIGIN_TOO = `http://localhost:${testEnv.ORIGIN_PORT}`

/** Through the whole Worker, waiting for its background work (health reports) to finish. */
async function request(url: string, bindings: PorticoEnv, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(url, init), bindings, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

/** One pool, one route; round robin, so the first try goes to the first upstream listed. */
const poolEnv = (name: string, upstreams: unknown[], retries: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  withConfig({ pools: { [name]: { upstreams, algorithm: 'round-robin' } }, routes: [{ pool: name, retries, ...extra }] })

function pattern(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 7 + (i >> 9)) & 0xff)
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

describe('retrying on another upstream', () => {
  it('never fails a GET to a pool with a dead upstream: each try there is retried on the live one', async () => {
    const env = poolEnv('half-dead', [DEAD, `${ORIGIN_URL}/echo/live`])
    for (let i = 0; i < 12; i++) {
      const res = await request(`https://www.example.com/item/${i}`, env)
      expect(res.status, `request ${i}`).toBe(200)
      expect((await echoOf(res)).url).toBe(`/echo/live/item/${i}`)
    }
  })

  it.each(['HEAD', 'PUT', 'DELETE', 'OPTIONS'])('retries an idempotent %s', async (method) => {
    const env = poolEnv(`idempotent-${method}`, [DEAD, `${ORIGIN_URL}/echo/live`])
    const res = await request('https://www.example.com/thing', env, { method })
    expect(res.status).toBe(200)
    await res.body?.cancel()
  })

  it('retries a 503 on another upstream, and the client sees only the good answer', async () => {
    const env = poolEnv('busy', [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`])
    const res = await request('https://www.example.com/503', env)
    expect(res.status).toBe(200)
    expect((await echoOf(res)).url).toBe('/echo/503')
  })

  it('passes a 500 through: the application answered, the host is fine', async () => {
    const env = poolEnv('app-error', [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`])
    const res = await request('https://www.example.com/500', env)
    expect(res.status).toBe(500)
    expect(await res.text()).toBe('status 500 from integration\n')
  })

  it('retries the statuses a route lists instead of the defaults', async () => {
    const env = poolEnv('teapot', [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`], { statuses: [418] })
    const teapot = await request('https://www.example.com/418', env)
    expect((await echoOf(teapot)).url).toBe('/echo/418')
    const busy = await request('https://www.example.com/503', poolEnv('teapot-2', [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`], { statuses: [418] }))
    expect(busy.status).toBe(503)
    await busy.body?.cancel()
  })

  it("gives the origin's last answer when every upstream answers 503", async () => {
    const env = poolEnv('all-busy', [`${ORIGIN_URL}/status`, `${ORIGIN_TOO}/status`], { attempts: 5 })
    const res = await request('https://www.example.com/503', env)
    expect(res.status).toBe(503)
    expect(await res.text()).toBe('status 503 from integration\n')
  })

  it('retries an upstream slower than firstByteMs on another one', async () => {
    const env = poolEnv('slow', [ORIGIN_URL, `${ORIGIN_URL}/echo`], {}, { timeouts: { firstByteMs: 300 } })
    const res = await request('https://www.example.com/slow?ms=3000', env)
    expect(res.status).toBe(200)
    expect((await echoOf(res)).url).toBe('/echo/slow?ms=3000')
  })

  it('does not retry a timeout when the route retries only connection failures', async () => {
    const env = poolEnv('slow-no-retry', [ORIGIN_URL, `${ORIGIN_URL}/echo`], { on: ['connect-failure'] }, { timeouts: { firstByteMs: 300 } })
    const res = await request('https://www.example.com/slow?ms=3000', env)
    expect(res.status).toBe(504)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:upstream-timeout' })
  })

  it('turns retries off with attempts 0: the first failure is the answer', async () => {
    const env = poolEnv('no-retries', [DEAD, `${ORIGIN_URL}/echo/live`], { attempts: 0 })
    const res = await request('https://www.example.com/x', env)
    expect(res.status).toBe(502)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:upstream-unreachable' })
  })

  it.each([
    [1, 502],
    [2, 200],
  ])('retries at most `attempts` times (%i: %i)', async (attempts, status) => {
    // Round robin over the upstreams not tried yet: the dead one, the other dead one, then the live one.
    const env = poolEnv(`attempts-${attempts}`, [DEAD, 'http://localhost:1', `${ORIGIN_URL}/echo/live`], { attempts })
    const res = await request('https://www.example.com/x', env)
    expect(res.status).toBe(status)
    await res.body?.cancel()
  })
})

describe('the retry budget', () => {
  it('stops retrying once the retries of the last 10 s reach the budget, so a failing pool is not hit twice as hard', async () => {
    // Passive health off, so the dead upstream stays in the rotation: every other request needs a retry.
    const env = withConfig({
      pools: { budget: { upstreams: [DEAD, `${ORIGIN_URL}/echo/live`], algorithm: 'round-robin', health: { passive: false } } },
      routes: [{ pool: 'budget', retries: { budgetPercent: 0 } }],
    })
    const statuses: number[] = []
    for (let i = 0; i < 70; i++) {
      const res = await request(`https://www.example.com/${i}`, env)
      statuses.push(res.status)
      await res.body?.cancel()
    }
    // The floor of 3 retries a second (30 in the window) is spent by the 30th dead try; the rest fail.
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true)
    expect(statuses.slice(60).filter((s) => s === 502)).toHaveLength(5)
  })
})

describe('retrying requests with bodies', () => {
  it('does not retry a POST: the origin may have acted on it', async () => {
    const env = poolEnv('post', [DEAD, `${ORIGIN_URL}/echo/live`])
    const res = await request('https://www.example.com/orders', env, { method: 'POST', body: 'item=1' })
    expect(res.status).toBe(502)
    await res.body?.cancel()
  })

  it('does not retry a POST answered 503', async () => {
    const env = poolEnv('post-503', [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`])
    const res = await request('https://www.example.com/503', env, { method: 'POST', body: 'item=1' })
    expect(res.status).toBe(503)
    await res.body?.cancel()
  })

  it('retries a POST and a PATCH with nonIdempotent, the body intact', async () => {
    const body = pattern(5_000)
    for (const method of ['POST', 'PATCH']) {
      const env = poolEnv(`post-retried-${method}`, [DEAD, `${ORIGIN_URL}/echo/live`], { nonIdempotent: true })
      const res = await request('https://www.example.com/orders', env, { method, body, headers: { 'content-length': String(body.byteLength) } })
      expect(res.status, method).toBe(200)
      expect(await echoOf(res)).toMatchObject({ method, url: '/echo/live/orders', bodyBytes: 5_000, bodySha256: await sha256(body) })
    }
  })

  it.each([
    ['a declared length', (b: Uint8Array) => ({ body: b, headers: { 'content-length': String(b.byteLength) } })],
    ['an unknown length', (b: Uint8Array) => ({ body: new Blob([b]).stream() })],
  ])('sends a small PUT body with %s again, whole, after the first upstream answered 503', async (_what, make) => {
    const body = pattern(20_000)
    const env = poolEnv(`replay-${_what.length}`, [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`])
    const res = await request('https://www.example.com/503', env, { method: 'PUT', ...make(body) })
    expect(res.status).toBe(200)
    expect(await echoOf(res)).toMatchObject({ method: 'PUT', url: '/echo/503', bodyBytes: 20_000, bodySha256: await sha256(body) })
  })

  it.each([
    ['a declared length', (b: Uint8Array) => ({ body: b, headers: { 'content-length': String(b.byteLength) } })],
    ['an unknown length', (b: Uint8Array) => ({ body: new Blob([b]).stream() })],
  ])('streams a body over maxBodyBytes with %s once and does not retry it', async (_what, make) => {
    const body = pattern(4_096)
    const env = poolEnv(`too-big-${_what.length}`, [`${ORIGIN_URL}/status`, `${ORIGIN_URL}/echo`], { maxBodyBytes: 1_024 })
    const res = await request('https://www.example.com/503', env, { method: 'PUT', ...make(body) })
    expect(res.status).toBe(503)
    await res.body?.cancel()
  })

  it('resends a small PUT to a single origin once when the origin drops the connection before answering', async () => {
    // A keep-alive connection the origin had just closed: the request never reached its handler.
    const path = `/hangup-once/put-${crypto.randomUUID()}`
    const res = await request(`https://www.example.com${path}`, withConfig({ routes: [{ upstream: ORIGIN_URL }] }), { method: 'PUT', body: 'hello', headers: { 'content-length': '5' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ method: 'PUT', url: path, bodyBytes: 5 })
  })

  it('does not resend a POST to a single origin after a dropped connection: it may have acted on it', async () => {
    const path = `/hangup-once/post-${crypto.randomUUID()}`
    const res = await request(`https://www.example.com${path}`, withConfig({ routes: [{ upstream: ORIGIN_URL }] }), { method: 'POST', body: 'hello', headers: { 'content-length': '5' } })
    expect(res.status).toBe(502)
    expect((await problemOf(res)).type).toBe('urn:portico:upstream-unreachable')
  })

  it('does not hold back a streamed PUT to a single origin, where there is nowhere to retry', async () => {
    // The client sends a little and keeps its body open; /status/200 answers without reading it.
    // A proxy keeping the body for a retry would wait for the rest (up to maxBodyBytes) first.
    let closed = false
    let close = () => {}
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('first bytes'))
        close = () => {
          if (!closed) controller.close()
          closed = true
        }
      },
    })
    const giveUp = setTimeout(() => close(), 2_000) // a held-back body fails the test rather than hanging it
    const res = await request('https://www.example.com/status/200', withConfig({ routes: [{ upstream: ORIGIN_URL }] }), { method: 'PUT', body })
    const answeredMidUpload = !closed
    clearTimeout(giveUp)
    close()
    expect(res.status).toBe(200)
    expect(answeredMidUpload).toBe(true)
    await res.body?.cancel()
  })

  it('streams a large body to the origin intact on the first try', async () => {
    const body = pattern(300_000)
    const env = poolEnv('big-upload', [`${ORIGIN_URL}/echo/a`, `${ORIGIN_URL}/echo/b`])
    const res = await request('https://www.example.com/upload', env, { method: 'PUT', body: new Blob([body]).stream() })
    expect(await echoOf(res)).toMatchObject({ url: '/echo/a/upload', bodyBytes: 300_000, bodySha256: await sha256(body) })
  })
})
