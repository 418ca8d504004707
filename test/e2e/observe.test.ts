// Correlation across the hop: every response carries a request id the origin also received (the
// client's own when well formed), and W3C trace context reaches the origin valid, whether the
// client sent a good traceparent, a bad one or none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedPort, send } from './client.ts'
import { config, echoOf, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/
const VALID_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'

let origin: RunningOrigin
let portico: RunningPortico
let ownIds: RunningPortico
let broken: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('observe')
  const deadPort = await closedPort()
  ;[portico, ownIds, broken] = await Promise.all([
    startPortico(
      config({
        routes: [
          { match: { path: '/down' }, upstream: `http://127.0.0.1:${deadPort}` },
          { match: { path: '/moved' }, redirect: { to: '/echo' } },
          { match: { path: '/robots.txt' }, respond: { status: 200, body: 'User-agent: *\n' } },
          { match: { path: '/only-get', methods: ['GET'] }, upstream: origin.url },
          { match: { path: '/echo' }, upstream: origin.url },
          { match: { path: '/status' }, upstream: origin.url },
        ],
      }),
    ),
    startPortico(config({ requestId: { header: 'X-Correlation-Id', acceptIncoming: false }, routes: [{ upstream: origin.url }] })),
    startPortico(config({ routes: [{ pool: 'missing' }] })),
  ])
})
afterAll(async () => {
  await Promise.all([portico?.close(), ownIds?.close(), broken?.close()])
  await origin?.close()
})

describe('request id', () => {
  it('gives a proxied response an X-Request-Id the origin received too', async () => {
    const res = await send(portico.at('/echo'))
    const id = res.headers['x-request-id']
    expect(id).toMatch(UUID)
    expect(echoOf(res.body).headers['x-request-id']).toBe(id)
  })

  it('gives every request its own id', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await send(portico.at('/echo'))).headers['x-request-id']))
    expect(new Set(ids).size).toBe(3)
  })

  it.each([
    ['no route (404)', '/nothing', {}, 404],
    ['an unreachable origin (502)', '/down/x', {}, 502],
    ['a redirect route', '/moved', {}, 302],
    ['a fixed response', '/robots.txt', {}, 200],
    ['a method a route does not accept (405)', '/only-get', { 'x-method': 'POST' }, 405],
    ['a refused TRACE (405)', '/echo', { 'x-method': 'TRACE' }, 405],
    ['a loop (508)', '/echo', { via: '1.1 portico' }, 508],
    ['an origin error status', '/status/503', {}, 503],
  ])('puts an X-Request-Id on %s', async (_what, path, headers: Record<string, string>, status) => {
    const { 'x-method': method, ...rest } = headers
    const res = await send(portico.at(path), { method: method ?? 'GET', headers: rest, body: method === 'POST' ? 'x' : undefined })
    expect(res.status).toBe(status)
    expect(res.headers['x-request-id']).toMatch(UUID)
  })

  it('puts an X-Request-Id on the 500 of an invalid configuration', async () => {
    const res = await send(broken.at('/anything'))
    expect(res.status).toBe(500)
    expect(res.headers['x-request-id']).toMatch(UUID)
  })

  it.each(['req-42', 'a1b2c3.d4:e5_f6', 'x'.repeat(128)])('passes on a well-formed client id (%s)', async (id) => {
    const res = await send(portico.at('/echo'), { headers: { 'x-request-id': id } })
    expect(res.headers['x-request-id']).toBe(id)
    expect(echoOf(res.body).headers['x-request-id']).toBe(id)
  })

  it('keeps a client id on an error Portico answers itself', async () => {
    const res = await send(portico.at('/down/x'), { headers: { 'x-request-id': 'trace-me-502' } })
    expect(res.status).toBe(502)
    expect(res.headers['x-request-id']).toBe('trace-me-502')
  })

  it.each([
    ['with spaces', 'has spaces in it'],
    ['of 300 characters', 'y'.repeat(300)],
    ['of 129 characters', 'z'.repeat(129)],
    ['with markup', '<script>alert(1)</script>'],
    ['empty', ''],
  ])('replaces a malformed client id (%s) on both sides', async (_what, id) => {
    const res = await send(portico.at('/echo'), { headers: { 'x-request-id': id } })
    const given = res.headers['x-request-id']
    expect(given).toMatch(UUID)
    expect(echoOf(res.body).headers['x-request-id']).toBe(given)
  })

  it('uses the configured header and ignores client ids when acceptIncoming is false', async () => {
    const res = await send(ownIds.at('/echo'), { headers: { 'x-correlation-id': 'client-chosen' } })
    const id = res.headers['x-correlation-id']
    expect(id).toMatch(UUID)
    expect(echoOf(res.body).headers['x-correlation-id']).toBe(id)
  })
})

describe('W3C trace context', () => {
  it('passes a valid traceparent and its tracestate to the origin unchanged', async () => {
    const res = await send(portico.at('/echo'), { headers: { traceparent: VALID_TRACEPARENT, tracestate: TRACESTATE } })
    const echo = echoOf(res.body)
    expect(echo.headers.traceparent).toBe(VALID_TRACEPARENT)
    expect(echo.headers.tracestate).toBe(TRACESTATE)
  })

  it('starts a new trace when the client sent none, and drops a lone tracestate', async () => {
    const res = await send(portico.at('/echo'), { headers: { tracestate: TRACESTATE } })
    const echo = echoOf(res.body)
    const m = TRACEPARENT.exec(echo.headers.traceparent ?? '')
    expect(m).not.toBeNull()
    expect(m?.[1]).not.toMatch(/^0+$/)
    expect(m?.[2]).not.toMatch(/^0+$/)
    expect(echo.headers.tracestate).toBeUndefined()
  })

  it('starts a different trace for each request', async () => {
    const traces = await Promise.all([1, 2].map(async () => echoOf((await send(portico.at('/echo'))).body).headers.traceparent))
    expect(traces[0]).not.toBe(traces[1])
  })

  it.each([
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['extra fields on version 00', `${VALID_TRACEPARENT}-extra`],
    ['garbage', 'not-a-trace'],
  ])('replaces a traceparent with %s and drops its tracestate', async (_what, bad) => {
    const res = await send(portico.at('/echo'), { headers: { traceparent: bad, tracestate: TRACESTATE } })
    const echo = echoOf(res.body)
    expect(echo.headers.traceparent).toMatch(TRACEPARENT)
    expect(echo.headers.traceparent).not.toBe(bad)
    expect(echo.headers.tracestate).toBeUndefined()
  })
})
