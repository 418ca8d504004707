/// <reference types="@cloudflare/vitest-plugin/types" />
// Observability through the whole Worker in workerd: one JSON log line per request with what each
// stage decided, no credential in any log line, Server-Timing only when debugging, the metrics
// Durable Object receiving the isolates' aggregates, Analytics Engine data points, and the JSON
// admin API and status page behind the admin token or the page's session cookie.
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import worker from '../../src/index.ts'
import type { PorticoEnv } from '../../src/config/index.ts'
import { flushMetrics, METRICS_BINDING, METRICS_OBJECT_NAME, type MetricsReport, type PorticoMetrics } from '../../src/observe/index.ts'
import { resource } from './cache-harness.ts'
import { echoOf, ORIGIN_URL, problemOf, withConfig } from './harness.ts'

const TOKEN = 'observe-admin-token-0123456789'
const real = env as unknown as Record<string, unknown>
const metricsNs = real[METRICS_BINDING] as DurableObjectNamespace<PorticoMetrics>

type Line = Record<string, unknown>
let spies: MockInstance[] = []

beforeEach(() => {
  spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}))
})
afterEach(() => {
  vi.restoreAllMocks()
})

/** Everything written to the console so far, as text. */
const consoleText = () => spies.flatMap((s) => s.mock.calls.map((args) => args.map(String).join(' '))).join('\n')
/** The request log lines written so far. */
function requestLines(): Line[] {
  return spies
    .flatMap((s) => s.mock.calls.map((args) => String(args[0])))
    .filter((text) => text.startsWith('{') && text.includes('"message":"request"'))
    .map((text) => JSON.parse(text) as Line)
}

/** Through the whole Worker with an execution context, its waitUntil work awaited. */
async function through(url: string, bindings: PorticoEnv, init?: RequestInit): Promise<{ res: Response; body: string }> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(url, init), bindings, ctx)
  const body = await res.text()
  await waitOnExecutionContext(ctx)
  return { res, body }
}

let n = 0
/** A route name no other test uses (metrics live as long as the isolate). */
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}`

describe('request log', () => {
  it('writes one JSON line per request with route, upstream, status, cache, durations and request id', async () => {
    const { url, path } = resource('log', { h: 'Cache-Control: max-age=60' })
    const bindings = withConfig({ routes: [{ name: 'cached', upstream: ORIGIN_URL, cache: {} }] })
    const first = await through(url, bindings)
    const second = await through(url, bindings)
    const lines = requestLines()
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'request',
      requestId: first.res.headers.get('x-request-id'),
      method: 'GET',
      host: 'www.example.com',
      path,
      status: 200,
      route: 'cached',
      upstream: ORIGIN_URL,
      attempts: 1,
      cache: 'miss',
      cacheStatus: first.res.headers.get('cache-status'),
      variant: null,
      rateLimit: null,
    })
    expect(lines[0]?.durationMs).toEqual(expect.any(Number))
    expect(lines[0]?.upstreamMs).toEqual(expect.any(Number))
    expect(lines[0]?.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(lines[1]).toMatchObject({ requestId: second.res.headers.get('x-request-id'), cache: 'hit', attempts: 0, upstream: null })
  })

  it('names the trace the origin received', async () => {
    const { res, body } = await through('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL }] }))
    expect(res.status).toBe(200)
    const sent = echoOf(new Response(body))
    const traceparent = (await sent).headers.traceparent ?? ''
    expect(requestLines()[0]?.traceId).toBe(traceparent.split('-')[1])
  })

  it('writes a line for answers Portico gives itself: no route, redirect, and a refused method', async () => {
    const bindings = withConfig({ routes: [{ name: 'moved', match: { path: '/old' }, redirect: { to: '/new' } }] })
    await through('https://www.example.com/nothing', bindings)
    await through('https://www.example.com/old', bindings)
    await through('https://www.example.com/old', bindings, { method: 'TRACE' })
    expect(requestLines().map((l) => [l.status, l.route, l.attempts])).toEqual([
      [404, null, 0],
      [302, 'moved', 0],
      [405, null, 0],
    ])
  })

  it('notes the rate-limit decision and the rule that refused', async () => {
    const bindings = withConfig({ routes: [{ name: 'limited', upstream: ORIGIN_URL, rateLimits: [{ name: 'tight', limit: 1, periodSeconds: 60 }] }] }, { RATE_LIMITER: real.RATE_LIMITER })
    const headers = { 'cf-connecting-ip': '203.0.113.77' }
    await through('https://www.example.com/echo', bindings, { headers })
    const refused = await through('https://www.example.com/echo', bindings, { headers })
    expect(refused.res.status).toBe(429)
    expect(requestLines().map((l) => [l.status, l.rateLimit, l.rateLimitRule])).toEqual([
      [200, 'allowed', null],
      [429, 'rejected', 'tight'],
    ])
  })

  it('writes only 5xx answers, as warnings, at level warn, and nothing at level off', async () => {
    const routes = [{ match: { path: '/down' }, upstream: 'http://127.0.0.1:1' }, { upstream: ORIGIN_URL }]
    const warnOnly = withConfig({ observability: { logLevel: 'warn' }, routes })
    await through('https://www.example.com/echo', warnOnly)
    await through('https://www.example.com/down', warnOnly)
    expect(requestLines().map((l) => [l.level, l.status])).toEqual([['warn', 502]])
    const off = withConfig({ observability: { logLevel: 'off' }, routes })
    await through('https://www.example.com/down', off)
    expect(requestLines()).toHaveLength(1)
  })

  it('never logs credentials, even at debug level with every header written', async () => {
    const secrets = ['Bearer sk-live-4242', 'sid=sess-4242', 'key-4242', 'qtoken-4242', 'csrf-4242', TOKEN]
    const bindings = withConfig({ observability: { logLevel: 'debug' }, routes: [{ upstream: ORIGIN_URL }] }, { ADMIN_TOKEN: TOKEN })
    await through('https://www.example.com/echo?token=qtoken-4242&page=2', bindings, {
      headers: { authorization: secrets[0] as string, cookie: secrets[1] as string, 'x-api-key': secrets[2] as string, 'x-csrf-token': secrets[4] as string, 'portico-debug': TOKEN, accept: 'application/json' },
    })
    const [line] = requestLines()
    expect(line?.query).toBe('?token=[redacted]&page=2')
    expect(line?.requestHeaders).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]', 'portico-debug': '[redacted]', accept: 'application/json' })
    const written = consoleText()
    for (const secret of secrets) expect(written, secret).not.toContain(secret)
  })
})

describe('Server-Timing', () => {
  const routes = [{ name: 'site', upstream: ORIGIN_URL, cache: {} }]

  it('is not sent by default, nor for a wrong token', async () => {
    const bindings = withConfig({ routes }, { ADMIN_TOKEN: TOKEN })
    expect((await through('https://www.example.com/echo', bindings)).res.headers.get('server-timing')).toBeNull()
    expect((await through('https://www.example.com/echo', bindings, { headers: { 'portico-debug': 'guess' } })).res.headers.get('server-timing')).toBeNull()
  })

  it('is sent when the debug header carries the admin token, which the origin never sees', async () => {
    const bindings = withConfig({ routes }, { ADMIN_TOKEN: TOKEN })
    const { res, body } = await through('https://www.example.com/echo', bindings, { headers: { 'portico-debug': TOKEN } })
    expect(res.headers.get('server-timing')).toMatch(/^edge;dur=\d+(\.\d)?, cache;dur=\d+(\.\d)?;desc="(miss|bypass)", upstream;dur=\d+(\.\d)?;desc="site, 1 attempt"$/)
    const echo = await echoOf(new Response(body))
    expect(echo.headers['portico-debug']).toBeUndefined()
    expect(body).not.toContain(TOKEN)
  })

  it('is never sent without an ADMIN_TOKEN in on-request mode', async () => {
    const { res } = await through('https://www.example.com/echo', withConfig({ routes }), { headers: { 'portico-debug': '' } })
    expect(res.headers.get('server-timing')).toBeNull()
  })

  it('is sent on every response with serverTiming "always", and never with "off"', async () => {
    const always = withConfig({ observability: { serverTiming: 'always' }, routes })
    expect((await through('https://www.example.com/echo', always)).res.headers.get('server-timing')).toMatch(/^edge;dur=/)
    const off = withConfig({ observability: { serverTiming: 'off' }, routes }, { ADMIN_TOKEN: TOKEN })
    expect((await through('https://www.example.com/echo', off, { headers: { 'portico-debug': TOKEN } })).res.headers.get('server-timing')).toBeNull()
  })

  it('uses the configured debug header name', async () => {
    const bindings = withConfig({ observability: { debugHeader: 'X-Ops-Debug' }, routes }, { ADMIN_TOKEN: TOKEN })
    const { res, body } = await through('https://www.example.com/echo', bindings, { headers: { 'x-ops-debug': TOKEN } })
    expect(res.headers.get('server-timing')).toMatch(/^edge;dur=/)
    expect((await echoOf(new Response(body))).headers['x-ops-debug']).toBeUndefined()
  })
})

describe('metrics', () => {
  const metricsEnv = (config: unknown, extra: Record<string, unknown> = {}) => withConfig(config, { [METRICS_BINDING]: metricsNs, ADMIN_TOKEN: TOKEN, ...extra })

  it('sends the isolate\'s aggregates to the metrics Durable Object', async () => {
    const route = unique('counted')
    const bindings = metricsEnv({ routes: [{ name: route, match: { path: '/status' }, upstream: ORIGIN_URL }] })
    for (const status of [200, 200, 503]) await through(`https://www.example.com/status/${status}`, bindings)
    await flushMetrics(bindings)
    const stub = metricsNs.get(metricsNs.idFromName(METRICS_OBJECT_NAME))
    const minutes = await runInDurableObject(stub, (object: PorticoMetrics) => object.recent())
    const mine = minutes.map((m) => m.routes[route]).filter((c) => c !== undefined)
    expect(mine.reduce((s, c) => s + c.requests, 0)).toBe(3)
    expect(mine.reduce((s, c) => s + c.errors, 0)).toBe(1)
    const upstream = minutes.map((m) => m.upstreams[ORIGIN_URL]).find((u) => u !== undefined)
    expect(upstream?.pool).toBe(route)
  })

  it('are summarised by GET /_portico/metrics: series, percentiles, hit ratio, routes, upstreams', async () => {
    const route = unique('summary')
    const bindings = metricsEnv({ routes: [{ name: route, upstream: ORIGIN_URL, cache: {} }] })
    const { url } = resource('metrics', { h: 'Cache-Control: max-age=60' })
    for (let i = 0; i < 4; i++) await through(url, bindings) // one miss, then three hits
    const res = await worker.fetch(new Request('https://www.example.com/_portico/metrics?minutes=15', { headers: { authorization: `Bearer ${TOKEN}` } }), bindings)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const report = (await res.json()) as MetricsReport & { source: string; enabled: boolean }
    expect(report).toMatchObject({ enabled: true, source: METRICS_BINDING, windowMinutes: 15 })
    expect(report.series).toHaveLength(15)
    const mine = report.routes.find((r) => r.name === route)
    expect(mine).toMatchObject({ requests: 4, errors: 0 })
    expect(mine?.latencyMs.p50).toEqual(expect.any(Number))
    expect(report.totals.hitRatio).toBeGreaterThan(0)
    expect(report.totals.latencyMs.p99).toEqual(expect.any(Number))
    expect(report.upstreams.some((u) => u.key === ORIGIN_URL)).toBe(true)
  })

  it('count rate-limit refusals per rule', async () => {
    const route = unique('rl')
    const rule = unique('rule')
    const bindings = metricsEnv({ routes: [{ name: route, upstream: ORIGIN_URL, rateLimits: [{ name: rule, limit: 1, periodSeconds: 60 }] }] }, { RATE_LIMITER: real.RATE_LIMITER })
    const headers = { 'cf-connecting-ip': '198.51.100.9' }
    for (let i = 0; i < 3; i++) await through('https://www.example.com/echo', bindings, { headers })
    const res = await worker.fetch(new Request('https://www.example.com/_portico/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }), bindings)
    const report = (await res.json()) as MetricsReport
    expect(report.rateLimits.find((r) => r.rule === rule)).toEqual({ rule, rejected: 2, logged: 0, failedOpen: 0, failedClosed: 0 })
  })

  it('count A/B exposures per experiment and variant, as the log lines name them', async () => {
    const route = unique('ab')
    const experiment = unique('exp')
    const bindings = metricsEnv(
      {
        routes: [{ name: route, upstream: ORIGIN_URL }],
        experiments: { [experiment]: { routes: [route], secret: { secret: 'AB_SECRET' }, variants: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }] } },
      },
      { AB_SECRET: 'observe-ab-secret-0123456789abcdef' },
    )
    const visits = 40 // new visitors: no cookie, so each is placed by the hash
    for (let i = 0; i < visits; i++) await through('https://www.example.com/echo', bindings)
    const labels = requestLines().map((l) => l.variant)
    expect(labels.every((l) => l === `${experiment}=a` || l === `${experiment}=b`)).toBe(true)
    const res = await worker.fetch(new Request('https://www.example.com/_portico/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }), bindings)
    const report = (await res.json()) as MetricsReport
    const split = report.experiments.find((e) => e.name === experiment)
    expect(split?.exposures).toBe(visits)
    const a = labels.filter((l) => l === `${experiment}=a`).length
    expect(split?.variants).toEqual([
      { name: 'a', exposures: a, share: a / visits },
      { name: 'b', exposures: visits - a, share: (visits - a) / visits },
    ])
    expect(a).toBeGreaterThan(0)
    expect(a).toBeLessThan(visits)
  })

  it('are not kept without the PORTICO_METRICS binding, and the API says so', async () => {
    const bindings = withConfig({ routes: [{ upstream: ORIGIN_URL }] }, { ADMIN_TOKEN: TOKEN })
    await through('https://www.example.com/echo', bindings)
    const res = await worker.fetch(new Request('https://www.example.com/_portico/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }), bindings)
    expect(await res.json()).toMatchObject({ source: 'unbound', totals: { requests: 0 } })
  })

  it('are not recorded with metrics: false', async () => {
    const route = unique('quiet')
    const bindings = metricsEnv({ observability: { metrics: false }, routes: [{ name: route, upstream: ORIGIN_URL }] })
    await through('https://www.example.com/echo', bindings)
    const res = await worker.fetch(new Request('https://www.example.com/_portico/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }), bindings)
    const report = (await res.json()) as MetricsReport & { enabled: boolean }
    expect(report.enabled).toBe(false)
    expect(report.routes.find((r) => r.name === route)).toBeUndefined()
  })
})

describe('Analytics Engine', () => {
  it('gets one data point per request when ANALYTICS is bound', async () => {
    // A recording stand-in: the local runtime's dataset accepts writes but cannot be read back.
    const points: AnalyticsEngineDataPoint[] = []
    const dataset = { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void (p && points.push(p)) }
    const bindings = withConfig({ routes: [{ name: 'api', upstream: ORIGIN_URL }] }, { ANALYTICS: dataset })
    await through('https://www.example.com/status/201', bindings)
    await through('https://www.example.com/status/503', bindings)
    expect(points).toHaveLength(2)
    expect(points[0]).toMatchObject({ indexes: ['api'], blobs: ['api', 'api', ORIGIN_URL, '', '', '', '', 'GET', 'www.example.com', '', '2xx'] })
    expect(points[1]?.doubles?.[0]).toBe(503)
    expect(points[1]?.doubles?.[4]).toBe(1)
  })

  it('gets no data point with metrics: false', async () => {
    const points: AnalyticsEngineDataPoint[] = []
    const dataset = { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void (p && points.push(p)) }
    const bindings = withConfig({ observability: { metrics: false }, routes: [{ name: 'api', upstream: ORIGIN_URL }] }, { ANALYTICS: dataset })
    const { res } = await through('https://www.example.com/status/201', bindings)
    expect(res.status).toBe(201)
    expect(points).toHaveLength(0)
  })
})

describe('status page and admin API auth', () => {
  const bindings = () => withConfig({ routes: [{ name: 'secret-route-name', upstream: ORIGIN_URL }] }, { ADMIN_TOKEN: TOKEN, [METRICS_BINDING]: metricsNs })
  const call = (path: string, init?: RequestInit, b: PorticoEnv = bindings()) => worker.fetch(new Request(`https://www.example.com/_portico${path}`, init), b)
  const signIn = (token: string) => call('/session', { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' })
  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] as string

  it('answers a browser without a session with the sign-in form and no data', async () => {
    const res = await call('/status', { headers: { accept: 'text/html' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const page = await res.text()
    expect(page).toContain('<form method="post" action="session">')
    expect(page).not.toContain('secret-route-name')
    expect(page).not.toContain('<script')
  })

  it('signs a browser in for the right token only, with an HttpOnly cookie for /_portico', async () => {
    const wrong = await signIn('not-the-token')
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    const right = await signIn(TOKEN)
    expect(right.status).toBe(303)
    expect(right.headers.get('location')).toBe('/_portico/status')
    expect(right.headers.get('set-cookie')).toMatch(/^portico_admin=[^;]+; Path=\/_portico; Max-Age=28800; HttpOnly; SameSite=Strict; Secure$/)
    expect(right.headers.get('set-cookie')).not.toContain(TOKEN)
  })

  it('serves the page and the JSON API to a signed-in browser', async () => {
    const cookie = cookieOf(await signIn(TOKEN))
    const page = await call('/status', { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[0-9a-f]{32}'/)
    expect(await page.text()).toContain('data-chart="requests"')
    for (const path of ['/metrics', '/pools', '/config']) expect((await call(path, { headers: { cookie } })).status, path).toBe(200)
  })

  it('does not let the session cookie make changes: a purge still needs the bearer token', async () => {
    const cookie = cookieOf(await signIn(TOKEN))
    const res = await call('/purge', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ everything: true }) })
    expect(res.status).toBe(401)
  })

  it('refuses the JSON API without credentials, with a forged cookie, or a cookie of another token', async () => {
    const otherToken = cookieOf(await signIn(TOKEN))
    const rotated = withConfig({ routes: [{ upstream: ORIGIN_URL }] }, { ADMIN_TOKEN: `${TOKEN}-rotated` })
    for (const [what, init, b] of [
      ['nothing', {}, bindings()],
      ['a forged cookie', { headers: { cookie: 'portico_admin=99999999999.AAAAAAAAAAAAAAAAAAAAAA' } }, bindings()],
      ['a cookie from before the token changed', { headers: { cookie: otherToken } }, rotated],
    ] as const) {
      const res = await call('/metrics', init, b)
      expect(res.status, what).toBe(401)
      expect((await problemOf(res)).type, what).toBe('urn:portico:admin-unauthorized')
    }
  })

  it('serves the page to a bearer token and hands it the session cookie', async () => {
    const res = await call('/status', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(/^portico_admin=/)
  })

  it('signs out', async () => {
    const res = await call('/session', { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect(res.headers.get('set-cookie')).toMatch(/^portico_admin=; Path=\/_portico; Max-Age=0/)
  })

  it('is off (404) like the rest of the admin API without ADMIN_TOKEN', async () => {
    const off = withConfig({ routes: [{ upstream: ORIGIN_URL }] })
    expect((await call('/status', {}, off)).status).toBe(404)
    expect((await call('/session', { method: 'POST', body: new URLSearchParams({ token: '' }) }, off)).status).toBe(404)
    expect((await call('/metrics', {}, off)).status).toBe(404)
  })
})
