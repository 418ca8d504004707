// How a pool spreads requests over its origins, end to end: three origin processes on loopback
// (a fourth joins for the remap test) behind one Portico with a pool per algorithm. The response
// header X-Origin-Name says which origin answered. Counts are exact where the algorithm is
// deterministic (round robin, smooth weighted round robin, hashing); for the random ones each
// test states its tolerance, chosen at 3.5 binomial standard deviations or more so the test
// fails for a skewed algorithm and not by chance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config, startPortico, type RunningPortico } from './harness.ts'
import { spawnOrigin, type OriginProcess } from './origins/processes.ts'

const STICKY_SECRET = 'e2e-sticky-secret-0123456789abcdef'

let a: OriginProcess
let b: OriginProcess
let c: OriginProcess
let d: OriginProcess
/** A pool per algorithm over a, b and c. */
let portico: RunningPortico
/** The consistent-hash pool again, with d added. */
let grown: RunningPortico

const hashPool = (...origins: OriginProcess[]) => ({ upstreams: origins.map((o) => o.url), algorithm: 'consistent-hash', hashOn: { header: 'X-User' } })

beforeAll(async () => {
  ;[a, b, c, d] = await Promise.all([spawnOrigin('a'), spawnOrigin('b'), spawnOrigin('c'), spawnOrigin('d')])
  const three = [a.url, b.url, c.url]
  const pools = {
    wrr: { upstreams: [{ url: a.url, weight: 3 }, { url: b.url, weight: 2 }, { url: c.url, weight: 1 }], algorithm: 'weighted-round-robin' },
    rr: { upstreams: three, algorithm: 'round-robin' },
    random: { upstreams: three, algorithm: 'weighted-random' },
    p2c: { upstreams: three, algorithm: 'power-of-two-choices' },
    leastconn: { upstreams: three, algorithm: 'least-connections' },
    iphash: { upstreams: three, algorithm: 'ip-hash' },
    hash: hashPool(a, b, c),
    sticky: { upstreams: three, algorithm: 'round-robin', sticky: { secret: { secret: 'STICKY_SECRET' } } },
  }
  const routes = Object.keys(pools).map((name) => ({ match: { path: `/${name}` }, rewrite: { replacePrefix: '/echo' }, pool: name }))
  ;[portico, grown] = await Promise.all([
    startPortico({ ...config({ pools, routes }), STICKY_SECRET }),
    startPortico(config({ pools: { hash: hashPool(a, b, c, d) }, routes: [{ match: { path: '/hash' }, rewrite: { replacePrefix: '/echo' }, pool: 'hash' }] })),
  ])
})
afterAll(async () => {
  await Promise.all([portico?.close(), grown?.close()])
  await Promise.all([a, b, c, d].map((o) => o?.stop()))
})

/** GET `path` and the name of the origin that answered (the response must be a 200). */
async function originFor(p: RunningPortico, path: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(p.at(path), { headers })
  await res.arrayBuffer()
  expect(res.status).toBe(200)
  return res.headers.get('x-origin-name') ?? '?'
}

/** `n` GETs of `path`, `concurrency` at a time; how many each origin answered. */
async function tally(path: string, n: number, concurrency: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        const name = await originFor(portico, path)
        counts[name] = (counts[name] ?? 0) + 1
      }
    }),
  )
  return counts
}

describe('weighted-round-robin', () => {
  it('gives weights 3:2:1 exactly 3, 2 and 1 of every 6 requests, interleaved', async () => {
    const seen: string[] = []
    for (let i = 0; i < 60; i++) seen.push(await originFor(portico, '/wrr'))
    for (let cycle = 0; cycle < 10; cycle++) {
      const run = seen.slice(cycle * 6, cycle * 6 + 6)
      expect({ a: run.filter((n) => n === 'a').length, b: run.filter((n) => n === 'b').length, c: run.filter((n) => n === 'c').length }).toEqual({ a: 3, b: 2, c: 1 })
      // Smooth: the heaviest origin never takes three in a row.
      expect(run.join('')).not.toContain('aaa')
    }
  })
})

describe('round-robin', () => {
  it('gives each of three origins exactly a third of 300 requests, even 6 at a time', async () => {
    expect(await tally('/rr', 300, 6)).toEqual({ a: 100, b: 100, c: 100 })
  })
})

// Random policies with equal weights over 600 requests: 200 each expected, binomial standard
// deviation 11.5, tolerance ±40 (±20%, about 3.5 deviations).
describe.each([
  ['weighted-random', '/random'],
  ['power-of-two-choices', '/p2c'],
  ['least-connections', '/leastconn'],
])('%s with equal weights', (algorithm, path) => {
  it('spreads 600 requests within ±20% of even (160 to 240 each), 6 at a time', async () => {
    const counts = await tally(path, 600, 6)
    console.log(`${algorithm}: ${JSON.stringify(counts)}`)
    for (const name of ['a', 'b', 'c']) {
      expect(counts[name]).toBeGreaterThanOrEqual(160)
      expect(counts[name]).toBeLessThanOrEqual(240)
    }
  })
})

describe('ip-hash', () => {
  it('keeps each client address on one origin and spreads 30 addresses over all three', async () => {
    const byIp = new Map<string, string>()
    for (let i = 1; i <= 30; i++) {
      const ip = `203.0.113.${i}`
      const seen = new Set<string>()
      for (let r = 0; r < 4; r++) seen.add(await originFor(portico, '/iphash', { 'CF-Connecting-IP': ip }))
      expect([...seen], `origins for ${ip}`).toHaveLength(1)
      byIp.set(ip, [...seen][0] as string)
    }
    // 30 addresses all missing one origin has probability 3 * (2/3)^30, below 1 in 100,000.
    expect(new Set(byIp.values())).toEqual(new Set(['a', 'b', 'c']))
  })

  it('keeps an IPv6 client on one origin while it changes addresses within its /64', async () => {
    for (let net = 1; net <= 6; net++) {
      const seen = new Set<string>()
      for (const host of ['::1', '::2', ':abcd:ef01:2345:6789', ':ffff::9']) {
        seen.add(await originFor(portico, '/iphash', { 'CF-Connecting-IP': `2001:db8:${net.toString(16)}:1${host}` }))
      }
      expect([...seen], `origins for 2001:db8:${net}:1::/64`).toHaveLength(1)
    }
  })
})

describe('consistent-hash on a header', () => {
  const KEYS = Array.from({ length: 1000 }, (_, i) => `user-${i}`)

  /** Which origin serves each key through `p`, 8 requests at a time. */
  async function assign(p: RunningPortico, keys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < keys.length) {
          const key = keys[next++] as string
          out.set(key, await originFor(p, '/hash', { 'X-User': key }))
        }
      }),
    )
    return out
  }

  let before: Map<string, string>

  it('sends the same key to the same origin every time', async () => {
    before = await assign(portico, KEYS)
    const again = await assign(portico, KEYS.slice(0, 200))
    const third = await assign(portico, KEYS.slice(0, 200))
    for (const key of KEYS.slice(0, 200)) {
      expect(again.get(key), key).toBe(before.get(key))
      expect(third.get(key), key).toBe(before.get(key))
    }
    // Spread: each origin holds a third of the keys, within ±5 points (σ 1.5 points over 1000 keys).
    for (const name of ['a', 'b', 'c']) expect(Math.abs([...before.values()].filter((n) => n === name).length / KEYS.length - 1 / 3)).toBeLessThan(0.05)
  })

  it('moves about 1/4 of the keys (within ±5 points) when a fourth origin joins, all of them to the new one', async () => {
    const after = await assign(grown, KEYS)
    const moved = KEYS.filter((key) => after.get(key) !== before.get(key))
    const fraction = moved.length / KEYS.length
    console.log(`consistent-hash remap with a fourth origin: ${moved.length} of ${KEYS.length} keys moved (${(fraction * 100).toFixed(1)}%, ideal 25%)`)
    expect(moved.map((key) => after.get(key)).filter((name) => name !== 'd')).toEqual([])
    // σ of the moved share over 1000 keys is 1.4 points: ±5 points is 3.6 deviations.
    expect(Math.abs(fraction - 1 / 4)).toBeLessThan(0.05)
  })
})

describe('a sticky cookie', () => {
  const COOKIE = 'portico_sticky'

  /** GET through the sticky pool; the origin and any sticky Set-Cookie value. */
  async function stickyGet(cookie?: string): Promise<{ origin: string; setCookie: string | undefined }> {
    const res = await fetch(portico.at('/sticky'), { headers: cookie === undefined ? {} : { cookie: `${COOKIE}=${cookie}` } })
    await res.arrayBuffer()
    expect(res.status).toBe(200)
    const set = res.headers.getSetCookie().find((s) => s.startsWith(`${COOKIE}=`))
    return { origin: res.headers.get('x-origin-name') ?? '?', setCookie: set && (/^[^=]+=([^;]*)/.exec(set)?.[1] as string) }
  }

  it('is set by the first response and brings later requests back to the same origin', async () => {
    const first = await stickyGet()
    expect(first.setCookie).toMatch(/^[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{22}$/)
    for (let i = 0; i < 9; i++) {
      await stickyGet() // requests without the cookie move the rotation on
      const again = await stickyGet(first.setCookie)
      expect(again.origin).toBe(first.origin)
      expect(again.setCookie).toBeUndefined() // already stuck: no new assignment
    }
  })

  it('ignores a cookie edited to name another origin, and one made up', async () => {
    const first = await stickyGet()
    const [, expires, mac] = (first.setCookie as string).split('.')
    const other = [a, b, c].find((o) => o.name !== first.origin) as OriginProcess
    const forged = `${Buffer.from(other.url).toString('base64url')}.${expires}.${mac}`
    const madeUp = `${Buffer.from(other.url).toString('base64url')}.9999999999.${'A'.repeat(22)}`
    for (const cookie of [forged, madeUp]) {
      const seen: string[] = []
      for (let i = 0; i < 6; i++) {
        const res = await stickyGet(cookie)
        seen.push(res.origin)
        expect(res.setCookie, 'a new, valid assignment replaces the rejected cookie').toMatch(/^[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{22}$/)
      }
      // The rotation goes on as if there were no cookie: each origin twice in six.
      expect(seen.filter((n) => n === other.name)).toHaveLength(2)
    }
  })
})
