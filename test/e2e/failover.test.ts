// An origin that dies under steady traffic, end to end: three origin processes on loopback, one
// SIGKILLed while GETs flow. Clients see no error (the failed attempts are retried on the others),
// the dead origin is ejected and gets no traffic while ejected, and once it is started again on
// the same port traffic returns: when its passive ejection runs out, or, with active probes, as
// soon as the probes see it answer. The admin API shows it unavailable and then available again.
// Ejection and recovery times are measured and printed; the bounds are derived from the config.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { config, startPortico, type RunningPortico } from './harness.ts'
import { spawnOrigin, type OriginProcess } from './origins/processes.ts'

const ADMIN_TOKEN = 'e2e-admin-token'
const PROBE_PATH = '/status/200'

/** Passive only: three failures in a row eject for BASE_EJECTION_MS. */
const BASE_EJECTION_MS = 3_000
/** Active probes every PROBE_INTERVAL_MS; the passive ejection is long, so only a probe can end it early. */
const PROBE_INTERVAL_MS = 1_000
const HEALTHY_THRESHOLD = 2
const UNHEALTHY_THRESHOLD = 2
const LONG_EJECTION_MS = 60_000
/** How old an isolate's copy of the pool's health may get (src/health/tracker.ts SNAPSHOT_TTL_MS). */
const SNAPSHOT_TTL_MS = 2_000

let a: OriginProcess
let b: OriginProcess
let c: OriginProcess
let passive: RunningPortico
let probed: RunningPortico

beforeAll(async () => {
  ;[a, b, c] = await Promise.all([spawnOrigin('a'), spawnOrigin('b'), spawnOrigin('c')])
  const upstreams = [a.url, b.url, c.url]
  ;[passive, probed] = await Promise.all([
    startPortico({
      ...config({
        pools: { web: { upstreams, algorithm: 'round-robin', health: { passive: { consecutiveFailures: 3, baseEjectionMs: BASE_EJECTION_MS } } } },
        routes: [{ pool: 'web' }],
      }),
      ADMIN_TOKEN,
    }),
    startPortico({
      ...config({
        pools: {
          web: {
            upstreams,
            algorithm: 'round-robin',
            health: {
              active: { path: PROBE_PATH, intervalMs: PROBE_INTERVAL_MS, timeoutMs: 500, healthyThreshold: HEALTHY_THRESHOLD, unhealthyThreshold: UNHEALTHY_THRESHOLD },
              passive: { consecutiveFailures: 3, baseEjectionMs: LONG_EJECTION_MS },
            },
          },
        },
        routes: [{ pool: 'web' }],
      }),
      ADMIN_TOKEN,
    }),
  ])
})
/** Traffic still running when a test failed half way. */
const running = new Set<{ stop(): Promise<unknown> }>()
afterEach(async () => {
  await Promise.all([...running].map((t) => t.stop()))
})
afterAll(async () => {
  await Promise.all([passive?.close(), probed?.close()])
  await Promise.all([a, b, c].map((o) => o?.stop()))
})

/** Clients sending GETs at once during a kill. */
const WORKERS = 4

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Outcome {
  at: number
  status: number
  origin: string | undefined
  /** The body arrived whole and is the echo of the origin the header names. */
  intact: boolean
  error?: string
}

/**
 * GETs of /echo through `p` from `workers` clients, each pausing `pauseMs` between requests, until
 * stopped or `maxRequests` were sent: bounded, a few hundred requests a second at most.
 */
function steadyTraffic(p: RunningPortico, workers = WORKERS, pauseMs = 15, maxRequests = 3_000) {
  const outcomes: Outcome[] = []
  let sent = 0
  let stopped = false
  const done = Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (!stopped && sent < maxRequests) {
        sent++
        const at = performance.now()
        try {
          const res = await fetch(p.at(`/echo?w=${w}`))
          const body = await res.text()
          const origin = res.headers.get('x-origin-name') ?? undefined
          let intact = false
          try {
            intact = (JSON.parse(body) as { origin?: string }).origin === origin
          } catch {
            intact = false
          }
          outcomes.push({ at, status: res.status, origin, intact })
        } catch (err) {
          outcomes.push({ at, status: 0, origin: undefined, intact: false, error: String(err) })
        }
        await sleep(pauseMs)
      }
    }),
  )
  const traffic = {
    outcomes,
    async stop() {
      stopped = true
      await done
      running.delete(traffic)
      return outcomes
    },
  }
  running.add(traffic)
  return traffic
}

interface AdminUpstream {
  key: string
  available: boolean
  probeHealthy: boolean
  ejectedUntil: number
  lastFailure?: string
  failures: number
}

/** The upstreams of pool `web` as GET /_portico/pools shows them. */
async function adminUpstreams(p: RunningPortico): Promise<AdminUpstream[]> {
  const res = await fetch(p.at('/_portico/pools'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.status).toBe(200)
  const { pools } = (await res.json()) as { pools: Array<{ name: string; upstreams: AdminUpstream[] }> }
  return pools.find((pool) => pool.name === 'web')?.upstreams ?? []
}

/** Poll the admin API every 50 ms until `test` holds for the upstream `origin`, or fail after `withinMs`. */
async function waitForAdmin(p: RunningPortico, origin: OriginProcess, test: (u: AdminUpstream) => boolean, withinMs: number): Promise<{ at: number; upstream: AdminUpstream }> {
  const deadline = performance.now() + withinMs
  for (;;) {
    const upstream = (await adminUpstreams(p)).find((u) => u.key === origin.url)
    if (upstream && test(upstream)) return { at: performance.now(), upstream }
    if (performance.now() > deadline) throw new Error(`admin API: ${origin.name} did not reach the expected state within ${withinMs} ms; last: ${JSON.stringify(upstream)}`)
    await sleep(50)
  }
}

/** Wait until `origin` has received more than `count` proxied (non-probe) requests; when the next one arrived. */
async function waitForTraffic(origin: OriginProcess, count: number, withinMs: number): Promise<number> {
  const deadline = performance.now() + withinMs
  for (;;) {
    const proxied = origin.requests.filter((r) => r.url !== PROBE_PATH)
    if (proxied.length > count) return (proxied[count] as { at: number }).at
    if (performance.now() > deadline) throw new Error(`${origin.name} got no traffic within ${withinMs} ms`)
    await sleep(20)
  }
}

/** Wait until `origin` has been probed. */
async function waitForProbe(origin: OriginProcess, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs
  while (!origin.requests.some((r) => r.url === PROBE_PATH)) {
    if (performance.now() > deadline) throw new Error(`${origin.name} was not probed within ${withinMs} ms`)
    await sleep(20)
  }
}

const proxiedCount = (origin: OriginProcess) => origin.requests.filter((r) => r.url !== PROBE_PATH).length

function expectNoClientErrors(outcomes: readonly Outcome[]) {
  const bad = outcomes.filter((o) => o.status !== 200 || !o.intact)
  expect(bad.slice(0, 5), `${bad.length} of ${outcomes.length} requests failed`).toEqual([])
}

describe('an origin killed under steady traffic, passive health only', () => {
  it(`serves every GET, ejects the dead origin, and sends it traffic again once its ${BASE_EJECTION_MS} ms ejection ends`, async () => {
    const traffic = steadyTraffic(passive)
    await sleep(500)
    expect(proxiedCount(c)).toBeGreaterThan(0)

    const killedAt = performance.now()
    await c.kill()

    // Ejected: the admin API shows it unavailable, with the failure and when it comes back.
    const ejected = await waitForAdmin(passive, c, (u) => !u.available, 3_000)
    expect(ejected.upstream.ejectedUntil).toBeGreaterThan(Date.now())
    expect(ejected.upstream.lastFailure).toBe('unreachable')
    const ejectionEndsAt = performance.now() + (ejected.upstream.ejectedUntil - Date.now())
    for (const other of [a, b]) expect((await adminUpstreams(passive)).find((u) => u.key === other.url)?.available).toBe(true)

    // Left dead for a second while ejected: Portico must not try it (its failure count stays put).
    await sleep(1_000)
    const deadFailures = (await adminUpstreams(passive)).find((u) => u.key === c.url)?.failures ?? -1

    // Started again on the same port: it must get nothing until the ejection ends.
    await c.restart()
    const restartedAt = performance.now()
    const before = proxiedCount(c)
    const backAt = await waitForTraffic(c, before, BASE_EJECTION_MS + 3_000)
    await sleep(500)
    const outcomes = await traffic.stop()
    const finalFailures = (await adminUpstreams(passive)).find((u) => u.key === c.url)?.failures ?? -1

    const ejectionMs = ejected.at - killedAt
    const recoveryMs = backAt - ejected.at
    console.log(
      `passive: ejected ${ejectionMs.toFixed(0)} ms after the kill (admin API); restarted ${(restartedAt - killedAt).toFixed(0)} ms after the kill; ` +
        `traffic back ${recoveryMs.toFixed(0)} ms after the ejection (baseEjectionMs ${BASE_EJECTION_MS}); ${finalFailures} failed attempts on it; ${outcomes.length} GETs, ` +
        `${outcomes.filter((o) => o.status !== 200 || !o.intact).length} errors`,
    )

    expectNoClientErrors(outcomes)
    expect(outcomes.length).toBeGreaterThan(200)
    // Three failures at ~100 requests/s take tens of ms; the report to the health object and the
    // 50 ms admin poll add a little. A second is generous.
    expect(ejectionMs).toBeLessThan(1_000)
    // Failed attempts: the three that ejected it, plus at most one per client already in flight.
    expect(finalFailures).toBeGreaterThanOrEqual(3)
    expect(finalFailures).toBeLessThanOrEqual(3 + WORKERS)
    expect(finalFailures).toBe(deadFailures)
    // Nothing reached the restarted origin before its ejection ended (50 ms for the two clocks).
    expect(backAt).toBeGreaterThanOrEqual(ejectionEndsAt - 50)
    expect(recoveryMs).toBeGreaterThan(BASE_EJECTION_MS - 300)
    expect(recoveryMs).toBeLessThan(BASE_EJECTION_MS + 1_500)
    // Back in the rotation: a fair share of the last half second.
    const recent = outcomes.filter((o) => o.at > backAt + 100)
    expect(recent.filter((o) => o.origin === 'c').length).toBeGreaterThan(recent.length / 6)

    // The admin API shows it available again.
    await waitForAdmin(passive, c, (u) => u.available, 1_000)
  })
})

describe('an origin killed under steady traffic, with active probes', () => {
  it(`serves every GET, and returns the origin to the rotation as soon as ${HEALTHY_THRESHOLD} probes pass, long before its passive ejection ends`, async () => {
    const traffic = steadyTraffic(probed)
    // The pool's first request configures its health object, which starts probing.
    await waitForProbe(b, 3_000)
    await sleep(300)
    expect(proxiedCount(b)).toBeGreaterThan(0)

    const killedAt = performance.now()
    await b.kill()
    const ejected = await waitForAdmin(probed, b, (u) => !u.available, 3_000)
    const probedDown = await waitForAdmin(probed, b, (u) => !u.probeHealthy, (UNHEALTHY_THRESHOLD + 1) * PROBE_INTERVAL_MS + 2_000)
    expect(probedDown.upstream.lastFailure).toMatch(/^probe/)

    await b.restart()
    const restartedAt = performance.now()
    const before = proxiedCount(b)
    const backAt = await waitForTraffic(b, before, (HEALTHY_THRESHOLD + 1) * PROBE_INTERVAL_MS + SNAPSHOT_TTL_MS + 3_000)
    await sleep(300)
    const outcomes = await traffic.stop()

    const recoveryMs = backAt - restartedAt
    console.log(
      `active: ejected ${(ejected.at - killedAt).toFixed(0)} ms after the kill (passive), probes marked it unhealthy after ${(probedDown.at - killedAt).toFixed(0)} ms; ` +
        `traffic back ${recoveryMs.toFixed(0)} ms after the restart (probe interval ${PROBE_INTERVAL_MS} ms, healthy threshold ${HEALTHY_THRESHOLD}); ` +
        `${outcomes.length} GETs, ${outcomes.filter((o) => o.status !== 200 || !o.intact).length} errors`,
    )

    expectNoClientErrors(outcomes)
    expect(ejected.at - killedAt).toBeLessThan(1_000)
    // Two failed probes: at most one interval to the first, one more to the second, plus slack.
    expect(probedDown.at - killedAt).toBeLessThan((UNHEALTHY_THRESHOLD + 1) * PROBE_INTERVAL_MS + 1_000)
    // Two passing probes (at most two intervals, plus one for the alarm's own schedule), then the
    // isolate's next snapshot of the pool's health (at most SNAPSHOT_TTL_MS old), plus slack.
    expect(recoveryMs).toBeLessThan((HEALTHY_THRESHOLD + 1) * PROBE_INTERVAL_MS + SNAPSHOT_TTL_MS + 1_000)
    expect(recoveryMs).toBeGreaterThan((HEALTHY_THRESHOLD - 1) * PROBE_INTERVAL_MS - 100)
    await waitForAdmin(probed, b, (u) => u.available && u.probeHealthy, 1_000)
  })
})
