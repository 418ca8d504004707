// When a pool's origins are dead, end to end, with origin processes on loopback killed by SIGKILL:
// a backup pool takes over; with no backup and panic off the client gets 503 with Retry-After at
// once; a POST that failed is not sent again (502), unless the route allows non-idempotent
// retries, and then the retry carries the same body.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './client.ts'
import { config, echoOf, startPortico, type RunningPortico } from './harness.ts'
import { spawnOrigin, type OriginProcess } from './origins/processes.ts'

const EJECTION_MS = 5_000

let p1: OriginProcess
let p2: OriginProcess
let spare: OriginProcess
let portico: RunningPortico

beforeAll(async () => {
  ;[p1, p2, spare] = await Promise.all([spawnOrigin('p1'), spawnOrigin('p2'), spawnOrigin('spare')])
  // One failure ejects, and the whole pool may be ejected, so "every origin dead" is reached at once.
  const quick = { passive: { consecutiveFailures: 1, maxEjectedPercent: 100, baseEjectionMs: EJECTION_MS } }
  portico = await startPortico(
    config({
      pools: {
        primary: { upstreams: [p1.url, p2.url], backup: 'spare', health: quick },
        spare: { upstreams: [spare.url] },
        closed: { upstreams: [p1.url, p2.url], panic: false, health: quick },
        // Never ejected, so round robin sends the first request of each pool to p1.
        once: { upstreams: [p1.url, spare.url], algorithm: 'round-robin', health: { passive: false } },
        replayed: { upstreams: [p1.url, spare.url], algorithm: 'round-robin', health: { passive: false } },
      },
      routes: [
        { match: { path: '/primary' }, rewrite: { replacePrefix: '/echo' }, pool: 'primary' },
        { match: { path: '/closed' }, rewrite: { replacePrefix: '/echo' }, pool: 'closed' },
        { match: { path: '/once' }, rewrite: { replacePrefix: '/echo' }, pool: 'once' },
        { match: { path: '/replayed' }, rewrite: { replacePrefix: '/echo' }, pool: 'replayed', retries: { nonIdempotent: true } },
      ],
    }),
  )
})
afterAll(async () => {
  await portico?.close()
  await Promise.all([p1, p2, spare].map((o) => o?.stop()))
})

const postsTo = (o: OriginProcess) => o.requests.filter((r) => r.method === 'POST').length

describe('a backup pool', () => {
  it('serves every request once all origins of the primary pool are dead', async () => {
    const before = await send(portico.at('/primary'))
    expect(before.status).toBe(200)
    expect(['p1', 'p2']).toContain(before.headers['x-origin-name'])

    await Promise.all([p1.kill(), p2.kill()])
    const served: Array<string | undefined> = []
    for (let i = 0; i < 20; i++) {
      const res = await send(portico.at(`/primary?i=${i}`))
      expect(res.status).toBe(200)
      served.push(res.headers['x-origin-name'] as string | undefined)
    }
    expect(new Set(served)).toEqual(new Set(['spare']))
  })
})

describe('a pool with panic off', () => {
  it('answers 503 with Retry-After, without trying the origins, once every origin is ejected', async () => {
    await Promise.all([p1.kill(), p2.kill()])
    // The first request finds both dead (each attempt fails, and ejects it): it gets their 502.
    const first = await send(portico.at('/closed'))
    expect(first.status).toBe(502)

    const started = performance.now()
    const res = await send(portico.at('/closed'), { headers: { accept: 'application/json' } })
    expect(res.status).toBe(503)
    expect(performance.now() - started).toBeLessThan(500)
    // Retry-After: when the first ejection ends, in whole seconds, within the configured ejection.
    const retryAfter = Number(res.headers['retry-after'])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(EJECTION_MS / 1000)
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 503, type: 'urn:portico:no-healthy-upstream' })
  })
})

describe('a POST to a dead origin', () => {
  it('is not retried: the client sees 502 and no other origin receives it', async () => {
    await p1.kill()
    const postsBefore = postsTo(spare)
    const res = await send(portico.at('/once'), { method: 'POST', body: 'order #1', headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(502)
    expect(postsTo(spare)).toBe(postsBefore)

    // The next POST goes to the live origin; a GET to the dead one is retried there.
    expect((await send(portico.at('/once'), { method: 'POST', body: 'order #2' })).status).toBe(200)
    expect(postsTo(spare)).toBe(postsBefore + 1)
    const get = await send(portico.at('/once'))
    expect(get.status).toBe(200)
    expect(get.headers['x-origin-name']).toBe('spare')
  })

  it('is retried on another origin, body and all, when the route sets retries.nonIdempotent', async () => {
    await p1.kill()
    const postsBefore = postsTo(spare)
    const body = Buffer.alloc(10_000, 'payload-')
    const res = await send(portico.at('/replayed'), { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
    expect(res.status).toBe(200)
    const echo = echoOf(res.body)
    expect(echo.origin).toBe('spare')
    expect(echo.bodyBytes).toBe(body.length)
    expect(echo.bodySha256).toBe(createHash('sha256').update(body).digest('hex'))
    expect(postsTo(spare)).toBe(postsBefore + 1)
  })
})
