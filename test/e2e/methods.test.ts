// Which request methods Portico forwards: everything but TRACE and CONNECT by default (TRACE
// reflects credentials, CONNECT opens tunnels), OPTIONS and TRACE counted down by Max-Forwards
// (RFC 9110 section 7.6.2), and a route's own method list answered with 405 and Allow.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchange, send } from './client.ts'
import { config, echoOf, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

let origin: RunningOrigin
let portico: RunningPortico
let tracing: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('methods')
  ;[portico, tracing] = await Promise.all([
    startPortico(
      config({
        routes: [
          { match: { path: '/read-only', methods: ['GET', 'HEAD'] }, rewrite: { replacePrefix: '/echo' }, upstream: origin.url },
          { match: { path: '/forms', methods: ['POST'] }, rewrite: { replacePrefix: '/echo' }, upstream: origin.url },
          { match: { path: '/forms', methods: ['PUT'] }, respond: { status: 204 } },
          // Only these paths fall through to any method: a catch-all would serve the routes above too.
          { match: { path: '/echo' }, upstream: origin.url },
          { match: { path: '/bytes' }, upstream: origin.url },
        ],
      }),
    ),
    startPortico(config({ forwarding: { allowTrace: true }, routes: [{ upstream: origin.url }] })),
  ])
})
afterAll(async () => {
  await Promise.all([portico?.close(), tracing?.close()])
  await origin?.close()
})

/** Requests the origin received since `before`. */
const seenSince = (before: number) => origin.seen.slice(before)

describe('refused methods', () => {
  it('refuses TRACE with 405 and an Allow header, without asking the origin', async () => {
    const before = origin.seen.length
    const res = await send(portico.at('/echo'), { method: 'TRACE', headers: { authorization: 'Bearer secret-token' } })
    expect(res.status).toBe(405)
    expect(res.headers.allow).toMatch(/\bGET\b/)
    expect(res.headers.allow).not.toMatch(/TRACE|CONNECT/)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(res.body.toString()).not.toContain('secret-token')
    expect(seenSince(before)).toEqual([])
  })

  it('never opens a tunnel for CONNECT', async () => {
    // workerd answers CONNECT itself ("Incoming CONNECT on a worker not supported", 500) before
    // Portico runs, so Portico's own 405 cannot be seen here; what matters is that no tunnel opens.
    const before = origin.seen.length
    const res = await exchange(portico.port, [`CONNECT 127.0.0.1:${origin.port} HTTP/1.1`, `Host: 127.0.0.1:${origin.port}`, 'Connection: close'])
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(seenSince(before)).toEqual([])
  })

  it('forwards TRACE when forwarding.allowTrace is set', async () => {
    const before = origin.seen.length
    const res = await send(tracing.at('/echo/trace'), { method: 'TRACE' })
    expect(res.status).toBe(200)
    expect(echoOf(res.body).method).toBe('TRACE')
    expect(seenSince(before)).toEqual([{ method: 'TRACE', url: '/echo/trace' }])
  })

  it('answers an allowed TRACE with Max-Forwards: 0 itself, without reflecting credentials', async () => {
    const before = origin.seen.length
    const res = await send(tracing.at('/echo/trace'), { method: 'TRACE', headers: { 'max-forwards': '0', authorization: 'Bearer secret-token', 'x-probe': 'here' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('message/http')
    const text = res.body.toString()
    expect(text.startsWith('TRACE /echo/trace HTTP/1.1\r\n')).toBe(true)
    expect(text).toContain('x-probe: here')
    expect(text).not.toContain('secret-token')
    expect(seenSince(before)).toEqual([])
  })
})

describe('forwarded methods', () => {
  it('forwards OPTIONS to the origin', async () => {
    const before = origin.seen.length
    const res = await send(portico.at('/echo/options'), { method: 'OPTIONS' })
    expect(res.status).toBe(200)
    expect(echoOf(res.body).method).toBe('OPTIONS')
    expect(seenSince(before)).toEqual([{ method: 'OPTIONS', url: '/echo/options' }])
  })

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'MKCOL', 'REPORT'])('forwards %s with its body', async (method) => {
    const body = `<body of a ${method} request/>`
    const res = await send(portico.at('/echo/m'), { method, body, headers: { 'content-type': 'application/xml' } })
    expect(res.status).toBe(200)
    const echo = echoOf(res.body)
    expect(echo.method).toBe(method)
    expect(echo.bodySha256).toBe(createHash('sha256').update(body).digest('hex'))
  })

  it('forwards HEAD and returns the headers without a body', async () => {
    const before = origin.seen.length
    const res = await send(portico.at('/bytes?n=5000'), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe('5000')
    expect(res.body.length).toBe(0)
    expect(seenSince(before)).toEqual([{ method: 'HEAD', url: '/bytes?n=5000' }])
  })
})

describe('Max-Forwards', () => {
  it('answers OPTIONS with Max-Forwards: 0 itself', async () => {
    const before = origin.seen.length
    const res = await send(portico.at('/echo/options'), { method: 'OPTIONS', headers: { 'max-forwards': '0' } })
    expect(res.status).toBe(200)
    expect(res.headers.allow).toMatch(/\bOPTIONS\b/)
    expect(res.headers['x-request-id']).toBeDefined()
    expect(seenSince(before)).toEqual([])
  })

  it('passes OPTIONS on with Max-Forwards decremented', async () => {
    const res = await send(portico.at('/echo/options'), { method: 'OPTIONS', headers: { 'max-forwards': '3' } })
    expect(res.status).toBe(200)
    expect(echoOf(res.body).headers['max-forwards']).toBe('2')
  })

  it('leaves Max-Forwards alone on other methods', async () => {
    const res = await send(portico.at('/echo/get'), { headers: { 'max-forwards': '0' } })
    expect(res.status).toBe(200)
    expect(echoOf(res.body).headers['max-forwards']).toBe('0')
  })
})

describe("a route's method list", () => {
  it('answers 405 with Allow for a method the route does not accept', async () => {
    const before = origin.seen.length
    const res = await send(portico.at('/read-only/item'), { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.allow?.split(/,\s*/).sort()).toEqual(['GET', 'HEAD'])
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 405, type: 'urn:portico:method-not-allowed' })
    expect(seenSince(before)).toEqual([])
  })

  it('forwards a method the route accepts', async () => {
    const res = await send(portico.at('/read-only/item'))
    expect(res.status).toBe(200)
    expect(echoOf(res.body).url).toBe('/echo/item')
  })

  it('lists in Allow the methods of every route for that path', async () => {
    const res = await send(portico.at('/forms/contact'), { method: 'GET' })
    expect(res.status).toBe(405)
    expect(res.headers.allow?.split(/,\s*/).sort()).toEqual(['POST', 'PUT'])
    const put = await send(portico.at('/forms/contact'), { method: 'PUT', body: 'x' })
    expect(put.status).toBe(204)
  })
})
