// Forwarding to a real origin on loopback: what the origin receives and what the client gets back.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index.ts'
import { echoOf, ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

describe('the Worker in workerd', () => {
  it('proxies to the ORIGIN binding over a real socket', async () => {
    const res = await worker.fetch(new Request('https://www.example.com/echo/x'), env)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { origin: string; url: string; headers: Record<string, string> }
    expect(body.origin).toBe('integration')
    expect(body.headers['x-forwarded-host']).toBe('www.example.com')
  })
})

describe('what the origin receives', () => {
  it('tells the origin who the client was, replacing what the client claimed', async () => {
    const res = await send('https://www.example.com/echo/who', { ORIGIN: ORIGIN_URL }, {
      headers: { 'cf-connecting-ip': '203.0.113.7', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', forwarded: 'for=6.6.6.6', 'x-real-ip': '6.6.6.6' },
    })
    const { headers } = await echoOf(res)
    expect(headers['x-forwarded-for']).toBe('203.0.113.7')
    expect(headers['x-forwarded-proto']).toBe('https')
    expect(headers['x-forwarded-host']).toBe('www.example.com')
    expect(headers.forwarded).toBe('for=203.0.113.7;host=www.example.com;proto=https')
    expect(headers['x-real-ip']).toBeUndefined()
  })

  it('appends to the forwarding chain when the hop in front is trusted', async () => {
    const res = await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL }], forwarding: { trustIncoming: true } }), {
      headers: { 'cf-connecting-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.1' },
    })
    expect((await echoOf(res)).headers['x-forwarded-for']).toBe('198.51.100.1, 203.0.113.7')
  })

  it('adds Via, and keeps the client\'s request id on both sides', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { 'x-request-id': 'client-chosen-42' } })
    expect(res.headers.get('x-request-id')).toBe('client-chosen-42')
    const { headers } = await echoOf(res)
    expect(headers['x-request-id']).toBe('client-chosen-42')
    expect(headers.via).toBe('1.1 portico')
  })

  it("names the client's HTTP version in the request's Via (request.cf.httpProtocol), and 1.1 towards the client", async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { cf: { httpProtocol: 'HTTP/2' } } as RequestInit)
    expect((await echoOf(res)).headers.via).toBe('2 portico')
    expect(res.headers.get('via')).toBe('1.1 portico')
  })

  it('gives a request without a usable id a fresh one, the same at the origin and in the response', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { 'x-request-id': 'bad id with spaces' } })
    const id = res.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect((await echoOf(res)).headers['x-request-id']).toBe(id)
  })

  it('uses the configured request id header', async () => {
    const res = await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL }], requestId: { header: 'X-Correlation-Id' } }))
    const id = res.headers.get('x-correlation-id')
    expect(id).toBeTruthy()
    expect((await echoOf(res)).headers['x-correlation-id']).toBe(id)
  })

  it('passes a valid traceparent on and starts a trace for a request without one', async () => {
    const kept = await echoOf(await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { traceparent: TRACEPARENT, tracestate: 'v=1' } }))
    expect(kept.headers.traceparent).toBe(TRACEPARENT)
    expect(kept.headers.tracestate).toBe('v=1')
    const fresh = await echoOf(await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }))
    expect(fresh.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/)
  })

  it('drops hop-by-hop headers and the headers Connection names', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { connection: 'keep-alive, X-Internal', 'x-internal': 'secret', 'proxy-authorization': 'Basic x', te: 'trailers', 'x-kept': 'yes' } })
    const { headers } = await echoOf(res)
    expect(headers['x-internal']).toBeUndefined()
    expect(headers['proxy-authorization']).toBeUndefined()
    expect(headers['x-kept']).toBe('yes')
  })

  it('applies configured request header edits, with values from secrets', async () => {
    const env = withConfig(
      {
        defaults: { requestHeaders: { set: { 'X-Env': 'test' }, remove: ['Cookie'] } },
        routes: [{ upstream: ORIGIN_URL, requestHeaders: { set: { Authorization: { secret: 'ORIGIN_TOKEN' } } } }],
      },
      { ORIGIN_TOKEN: 'Bearer from-a-secret' },
    )
    const { headers } = await echoOf(await send('https://www.example.com/echo', env, { headers: { cookie: 'session=1', authorization: 'Bearer from-client' } }))
    expect(headers['x-env']).toBe('test')
    expect(headers.authorization).toBe('Bearer from-a-secret')
    expect(headers.cookie).toBeUndefined()
  })

  it('streams a request body to the origin intact', async () => {
    const body = new Uint8Array(300_000).map((_, i) => i % 251)
    const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', body))].map((b) => b.toString(16).padStart(2, '0')).join('')
    const echo = await echoOf(await send('https://www.example.com/echo/upload', { ORIGIN: ORIGIN_URL }, { method: 'PUT', body }))
    expect(echo).toMatchObject({ method: 'PUT', bodyBytes: 300_000, bodySha256: digest })
  })

  it('sends the origin its own host by default', async () => {
    const echo = await echoOf(await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }))
    expect(echo.headers.host).toBe(new URL(ORIGIN_URL).host)
  })

  it('keeps the origin\'s own host for an IP-address upstream even when asked to preserve the client\'s', async () => {
    // resolveOverride cannot name an IP address, so the Host cannot be swapped (see targetFor).
    const echo = await echoOf(await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL, host: 'preserve' }] })))
    expect(echo.headers.host).toBe(new URL(ORIGIN_URL).host)
    expect(echo.headers['x-forwarded-host']).toBe('www.example.com')
  })

  it('puts the path under the upstream base path', async () => {
    const echo = await echoOf(await send('https://www.example.com/x/y?z=1', withConfig({ routes: [{ upstream: `${ORIGIN_URL}/echo/base/` }] })))
    expect(echo.url).toBe('/echo/base/x/y?z=1')
  })
})

describe('what the client gets back', () => {
  it('hides origin-revealing headers, adds Via and the request id', async () => {
    const res = await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL }], forwarding: { hideResponseHeaders: ['X-Origin-Name'] } }))
    expect(res.status).toBe(200)
    expect(res.headers.get('server')).toBeNull()
    expect(res.headers.get('x-powered-by')).toBeNull()
    expect(res.headers.get('x-origin-name')).toBeNull()
    expect(res.headers.get('via')).toBe('1.1 portico')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    await res.body?.cancel()
  })

  it('passes the origin\'s status and body through', async () => {
    const res = await send('https://www.example.com/status/418', { ORIGIN: ORIGIN_URL })
    expect(res.status).toBe(418)
    expect(await res.text()).toBe('status 418 from integration\n')
  })

  it('does not follow the origin\'s redirect, and points its Location at the public URL', async () => {
    const res = await send('https://www.example.com/redirect?to=/echo/next', { ORIGIN: ORIGIN_URL })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://www.example.com/echo/next')
    expect(res.headers.get('content-location')).toBe('https://www.example.com/redirect')
  })

  it('maps Location and cookies back under a stripped prefix', async () => {
    const env = withConfig({ routes: [{ match: { path: '/shop' }, upstream: ORIGIN_URL, rewrite: { stripPrefix: true } }] })
    const redirect = await send('https://www.example.com/shop/relative-redirect?to=/echo/cart', env)
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe('/shop/echo/cart')

    const cookies = await send('https://www.example.com/shop/cookies', env)
    expect(cookies.headers.getSetCookie()).toEqual(['session=abc; Domain=www.example.com; Path=/shop; HttpOnly', 'theme=dark; Path=/shop/echo; SameSite=Lax', 'plain=1'])
    await cookies.body?.cancel()
  })

  it('applies configured response header edits over the origin\'s', async () => {
    const env = withConfig({ routes: [{ upstream: ORIGIN_URL, responseHeaders: { set: { 'Content-Type': 'application/x-portico' } } }] })
    const res = await send('https://www.example.com/echo', env)
    expect(res.headers.get('content-type')).toBe('application/x-portico')
    await res.body?.cancel()
  })
})

describe('when the origin fails', () => {
  it('answers 502 without naming the origin when nothing listens there', async () => {
    const res = await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: 'http://127.0.0.1:1' }] }))
    expect(res.status).toBe(502)
    const text = await res.clone().text()
    expect(text).not.toContain('127.0.0.1')
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:upstream-unreachable', status: 502 })
  })

  it.each(['999', '600'])('answers 502 when the origin sends status %s, which no HTTP response may carry', async (status) => {
    const res = await send(`https://www.example.com/status/${status}`, { ORIGIN: ORIGIN_URL })
    expect(res.status).toBe(502)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:upstream-invalid-response', status: 502 })
  })

  it('answers 504 when the origin is slower than firstByteMs', async () => {
    const res = await send('https://www.example.com/slow?ms=3000', withConfig({ routes: [{ upstream: ORIGIN_URL, timeouts: { firstByteMs: 200 } }] }))
    expect(res.status).toBe(504)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:upstream-timeout' })
  })

  it('passes a body that streams for longer than firstByteMs whole: that timeout ends at the headers', async () => {
    const res = await send('https://www.example.com/drip?chunks=4&interval=150', withConfig({ routes: [{ upstream: ORIGIN_URL, timeouts: { firstByteMs: 200 } }] }))
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\ndone\n')
  })

  it('cuts a body off at totalMs rather than passing it off as complete', async () => {
    const res = await send('https://www.example.com/drip?chunks=10&interval=100', withConfig({ routes: [{ upstream: ORIGIN_URL, timeouts: { totalMs: 300 } }] }))
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
  })

  it('passes a whole body when it finishes within totalMs', async () => {
    const res = await send('https://www.example.com/drip?chunks=2&interval=10', withConfig({ routes: [{ upstream: ORIGIN_URL, timeouts: { totalMs: 5000 } }] }))
    expect(await res.text()).toBe('chunk 0\nchunk 1\ndone\n')
  })
})
