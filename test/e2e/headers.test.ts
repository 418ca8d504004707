// What crosses the proxy in each direction: hop-by-hop headers stop at Portico (RFC 9110 section
// 7.6.1), the origin learns who the client was (X-Forwarded-*, RFC 7239 Forwarded) without the
// client being able to forge it, Via marks the hop (section 7.6.3), and Host names the upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchange, send, valuesOf } from './client.ts'
import { config, echoOf, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const PUBLIC_HOST = 'www.example.test'

let origin: RunningOrigin
let portico: RunningPortico
let trusting: RunningPortico
let noVia: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('headers')
  ;[portico, trusting, noVia] = await Promise.all([
    startPortico(config({ routes: [{ upstream: origin.url }] })),
    startPortico(config({ forwarding: { trustIncoming: true }, routes: [{ upstream: origin.url }] })),
    startPortico(config({ forwarding: { via: false }, routes: [{ upstream: origin.url }] })),
  ])
})
afterAll(async () => {
  await Promise.all([portico?.close(), trusting?.close(), noVia?.close()])
  await origin?.close()
})

/** GET /echo through `p` with these headers and the public Host; what the origin received. */
async function echoThrough(p: RunningPortico, headers: Record<string, string> = {}) {
  const res = await send(p.at('/echo'), { headers: { host: PUBLIC_HOST, ...headers } })
  expect(res.status).toBe(200)
  return { res, echo: echoOf(res.body) }
}

/** The header names the origin saw, lower case. */
const namesSeen = (rawHeaders: string[]) => rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())

describe('hop-by-hop headers', () => {
  it('does not pass on a header the client names in Connection', async () => {
    // Raw bytes: Node's client would rewrite the Connection header.
    const res = await exchange(portico.port, [
      'GET /echo HTTP/1.1',
      `Host: ${PUBLIC_HOST}`,
      'Connection: close, X-Secret',
      'X-Secret: for the next hop only',
      'X-Kept: yes',
    ])
    expect(res.status).toBe(200)
    const echo = echoOf(res.text)
    expect(echo.headers['x-kept']).toBe('yes')
    expect(namesSeen(echo.rawHeaders)).not.toContain('x-secret')
  })

  it('does not pass the standard hop-by-hop request headers to the origin', async () => {
    const res = await exchange(portico.port, [
      'GET /echo HTTP/1.1',
      `Host: ${PUBLIC_HOST}`,
      'Connection: close',
      'Keep-Alive: timeout=30',
      'Proxy-Connection: keep-alive',
      'Proxy-Authorization: Basic cHJveHk6c2VjcmV0',
      'TE: trailers',
      'Trailer: X-Checksum',
      'X-Kept: yes',
    ])
    expect(res.status).toBe(200)
    const echo = echoOf(res.text)
    expect(echo.headers['x-kept']).toBe('yes')
    const seen = namesSeen(echo.rawHeaders)
    for (const name of ['keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer']) expect(seen).not.toContain(name)
  })

  it('does not pass on a header the origin names in Connection', async () => {
    const res = await exchange(portico.port, [
      `GET /reply?h=${encodeURIComponent('Connection: X-Origin-Secret')}&h=${encodeURIComponent('X-Origin-Secret: internal')}&h=${encodeURIComponent('X-Visible: yes')} HTTP/1.1`,
      `Host: ${PUBLIC_HOST}`,
      'Connection: close',
    ])
    expect(res.status).toBe(200)
    expect(valuesOf(res.headers, 'x-visible')).toEqual(['yes'])
    expect(valuesOf(res.headers, 'x-origin-secret')).toEqual([])
  })

  it('does not pass the standard hop-by-hop response headers to the client', async () => {
    const hop = ['Keep-Alive: timeout=99', 'Proxy-Authenticate: Basic realm="origin"', 'Proxy-Connection: keep-alive', 'Trailer: X-Checksum']
    const query = [...hop, 'X-Visible: yes'].map((h) => `h=${encodeURIComponent(h)}`).join('&')
    const res = await exchange(portico.port, [`GET /reply?${query} HTTP/1.1`, `Host: ${PUBLIC_HOST}`, 'Connection: close'])
    expect(res.status).toBe(200)
    expect(valuesOf(res.headers, 'x-visible')).toEqual(['yes'])
    expect(valuesOf(res.headers, 'keep-alive').join()).not.toContain('99') // ours, if any, never the origin's
    for (const name of ['proxy-authenticate', 'proxy-connection', 'trailer']) expect(valuesOf(res.headers, name)).toEqual([])
  })
})

describe('X-Forwarded-* and Forwarded', () => {
  it('tells the origin the client address, protocol and public host', async () => {
    const { echo } = await echoThrough(portico)
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(echo.headers['x-forwarded-proto']).toBe('http')
    expect(echo.headers['x-forwarded-host']).toBe(PUBLIC_HOST)
    expect(echo.headers.forwarded).toBe(`for=127.0.0.1;host=${PUBLIC_HOST};proto=http`)
  })

  it('quotes a Forwarded host that carries a port (RFC 7239 section 4)', async () => {
    const echo = echoOf(Buffer.from(await (await fetch(portico.at('/echo'))).arrayBuffer()))
    expect(echo.headers.forwarded).toBe(`for=127.0.0.1;host="127.0.0.1:${portico.port}";proto=http`)
  })

  it('replaces a forged X-Forwarded-For from the client', async () => {
    const { echo } = await echoThrough(portico, { 'X-Forwarded-For': '203.0.113.9' })
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1')
  })

  it('replaces forged X-Forwarded-Proto, X-Forwarded-Host, Forwarded and X-Real-IP', async () => {
    const { echo } = await echoThrough(portico, {
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'admin.internal',
      Forwarded: 'for=203.0.113.9;host=admin.internal;proto=https',
      'X-Real-IP': '203.0.113.9',
    })
    expect(echo.headers['x-forwarded-proto']).toBe('http')
    expect(echo.headers['x-forwarded-host']).toBe(PUBLIC_HOST)
    expect(echo.headers.forwarded).toBe(`for=127.0.0.1;host=${PUBLIC_HOST};proto=http`)
    expect(echo.headers['x-real-ip']).toBeUndefined()
    expect(JSON.stringify(echo.rawHeaders)).not.toContain('203.0.113.9')
  })

  it('appends to X-Forwarded-For and Forwarded from a trusted hop in front', async () => {
    const { echo } = await echoThrough(trusting, {
      'X-Forwarded-For': '203.0.113.9, 198.51.100.2',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'shop.example.test',
      Forwarded: 'for=203.0.113.9;proto=https',
    })
    expect(echo.headers['x-forwarded-for']).toBe('203.0.113.9, 198.51.100.2, 127.0.0.1')
    expect(echo.headers.forwarded).toBe(`for=203.0.113.9;proto=https, for=127.0.0.1;host=${PUBLIC_HOST};proto=http`)
    // The hop in front saw the client's scheme and host; Portico only saw that hop's.
    expect(echo.headers['x-forwarded-proto']).toBe('https')
    expect(echo.headers['x-forwarded-host']).toBe('shop.example.test')
  })

  it('starts the chain itself when a trusted hop sent none', async () => {
    const { echo } = await echoThrough(trusting)
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(echo.headers.forwarded).toBe(`for=127.0.0.1;host=${PUBLIC_HOST};proto=http`)
  })
})

describe('Via', () => {
  it('adds Via to the request and to the response', async () => {
    const { res, echo } = await echoThrough(portico)
    expect(echo.headers.via).toBe('1.1 portico')
    expect(res.headers.via).toBe('1.1 portico')
  })

  it('appends to the Via of earlier hops in both directions', async () => {
    const { echo } = await echoThrough(portico, { Via: '1.1 cdn.example' })
    expect(echo.headers.via).toBe('1.1 cdn.example, 1.1 portico')
    const res = await send(portico.at(`/reply?h=${encodeURIComponent('Via: 1.0 backend-cache')}`), { headers: { host: PUBLIC_HOST } })
    expect(res.headers.via).toBe('1.0 backend-cache, 1.1 portico')
  })

  it('answers 508 to a request that has already passed through Portico', async () => {
    const before = origin.seen.length
    const res = await send(portico.at('/echo'), { headers: { host: PUBLIC_HOST, via: '1.1 cdn.example, 1.1 portico' } })
    expect(res.status).toBe(508)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(origin.seen.length).toBe(before)
  })

  it('adds no Via in either direction when forwarding.via is false', async () => {
    const { res, echo } = await echoThrough(noVia)
    expect(echo.headers.via).toBeUndefined()
    expect(res.headers.via).toBeUndefined()
  })
})

describe('Host', () => {
  it("sends the upstream's host as Host and the public host as X-Forwarded-Host", async () => {
    const { echo } = await echoThrough(portico)
    expect(echo.headers.host).toBe(`127.0.0.1:${origin.port}`)
    expect(echo.headers['x-forwarded-host']).toBe(PUBLIC_HOST)
  })
})
