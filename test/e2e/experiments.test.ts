// A canary release end to end: two origins on loopback ("stable" and "canary", told apart by the
// X-Origin-Name header they send) behind Portico running an experiment that sends 10% of new
// visitors to the canary pool. Then the canary grows to 20% in a new config, on a new Miniflare
// (new isolates, empty KV): returning visitors keep their variants through their signed cookies.
// Tolerances are 4 binomial standard deviations or more, so a skewed split fails and chance does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const AB_SECRET = 'e2e-experiments-secret-0123456789abcdef'
const VISITORS = 1_000
const CONCURRENCY = 20

let stable: RunningOrigin
let canary: RunningOrigin
/** Canary at 10%. */
let portico: RunningPortico
/** The same experiment with the canary at 20%, as after a deploy of the new config. */
let ramped: RunningPortico

function canaryConfig(percent: number) {
  return config({
    pools: { stable: { upstreams: [stable.url] }, canary: { upstreams: [canary.url] } },
    routes: [{ name: 'site', pool: 'stable' }],
    experiments: {
      release: {
        routes: ['site'],
        secret: { secret: 'AB_SECRET' },
        variants: [
          { name: 'stable', weight: 100 - percent },
          { name: 'canary', weight: percent, pool: 'canary' },
        ],
        debugHeader: true,
      },
    },
  })
}

interface Visit {
  /** Which origin answered (X-Origin-Name). */
  origin: string
  /** The Set-Cookie headers of the response. */
  setCookies: string[]
  /** X-Portico-Variant (debugHeader). */
  debug: string | null
  vary: string | null
  cacheControl: string | null
}

async function visit(p: RunningPortico, cookie?: string): Promise<Visit> {
  const res = await fetch(p.at('/echo'), { headers: cookie ? { cookie } : {} })
  await res.arrayBuffer()
  expect(res.status).toBe(200)
  return {
    origin: res.headers.get('x-origin-name') ?? '?',
    setCookies: res.headers.getSetCookie(),
    debug: res.headers.get('x-portico-variant'),
    vary: res.headers.get('vary'),
    cacheControl: res.headers.get('cache-control'),
  }
}

/** `n` tasks, `CONCURRENCY` at a time, results in order. */
async function inParallel<T>(n: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n)
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++
        out[i] = await task(i)
      }
    }),
  )
  return out
}

const percentIn = (visits: readonly Visit[], origin: string) => (100 * visits.filter((v) => v.origin === origin).length) / visits.length

/** First visits of new visitors to the 10% canary, with the cookie each was given. */
let firsts: Array<Visit & { cookie: string }>

beforeAll(async () => {
  ;[stable, canary] = await Promise.all([startOrigin('stable'), startOrigin('canary')])
  ;[portico, ramped] = await Promise.all([startPortico({ ...canaryConfig(10), AB_SECRET }), startPortico({ ...canaryConfig(20), AB_SECRET })])
  firsts = await inParallel(VISITORS, async () => {
    const v = await visit(portico)
    return { ...v, cookie: (v.setCookies[0] ?? '').split(';')[0] as string }
  })
})
afterAll(async () => {
  await Promise.all([portico?.close(), ramped?.close()])
  await Promise.all([stable?.close(), canary?.close()])
})

describe('a canary at 10%', () => {
  it('gets 10% of 1,000 new visitors, within 4 percentage points (4.2 standard deviations)', () => {
    expect(Math.abs(percentIn(firsts, 'canary') - 10)).toBeLessThanOrEqual(4)
    expect(firsts.filter((v) => v.origin !== 'stable' && v.origin !== 'canary')).toEqual([])
  })

  it('gives each new visitor a signed cookie naming the variant that served it, and says so in the debug header', () => {
    for (const v of firsts) {
      expect(v.setCookies).toHaveLength(1)
      expect(v.setCookies[0]).toMatch(new RegExp(`^portico_ab_release=[0-9a-f]{32}\\.${v.origin}\\.[A-Za-z0-9_-]{22}; Path=/; Max-Age=7776000; HttpOnly; SameSite=Lax$`))
      expect(v.debug).toBe(`release=${v.origin} (new)`)
      expect(v.vary).toMatch(/\bCookie\b/)
      expect(v.cacheControl).toMatch(/^private\b/)
    }
  })

  it('keeps returning visitors on their origin, with no new cookie', async () => {
    const returning = firsts.slice(0, 300)
    const again = await inParallel(returning.length * 2, (i) => visit(portico, (returning[i % returning.length] as { cookie: string }).cookie))
    again.forEach((v, i) => {
      const first = returning[i % returning.length] as Visit
      expect(v.origin).toBe(first.origin)
      expect(v.setCookies).toEqual([])
      expect(v.debug).toBe(`release=${first.origin} (stored)`)
    })
  })

  it('does not believe a cookie edited to name the canary', async () => {
    const stableOnes = firsts.filter((v) => v.origin === 'stable').slice(0, 50)
    const edited = await inParallel(stableOnes.length, (i) => visit(portico, (stableOnes[i] as { cookie: string }).cookie.replace('.stable.', '.canary.')))
    for (const v of edited) {
      expect(v.setCookies).toHaveLength(1)
      expect(v.debug).toMatch(/ \(new\)$/)
    }
    // Placed afresh: about 10% land in the canary, not all 50 (at most 15 is 4.7 deviations out).
    expect(edited.filter((v) => v.origin === 'canary').length).toBeLessThanOrEqual(15)
  })
})

describe('after the canary grows to 20% (a new config on new isolates, KV empty)', () => {
  it('keeps every returning visitor on the variant it had', async () => {
    const again = await inParallel(firsts.length, (i) => visit(ramped, (firsts[i] as { cookie: string }).cookie))
    again.forEach((v, i) => {
      expect(v.origin).toBe((firsts[i] as Visit).origin)
      expect(v.setCookies).toEqual([])
    })
  })

  it('gives 20% of 1,000 new visitors the canary, within 5.5 percentage points (4.3 standard deviations)', async () => {
    const news = await inParallel(VISITORS, () => visit(ramped))
    expect(Math.abs(percentIn(news, 'canary') - 20)).toBeLessThanOrEqual(5.5)
  })
})
