/// <reference types="@cloudflare/vitest-plugin/types" />
// Rate limiting through the Worker in workerd, with the real RateLimitCounter Durable Object from
// wrangler.toml: exact admission under concurrency for each algorithm, refill (by real time for
// short periods, by moving the stored state back for long ones), the refusal's headers, log-only
// rules, failing open or closed, keys that cannot be dodged, and the config checks. Storage is
// shared within this file and fast mode's leases within the isolate: every test uses its own rule
// names and client addresses.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { PorticoEnv } from '../../src/config/index.ts'
import type { BucketState, RateLimitCounter } from '../../src/ratelimit/index.ts'
import { echoOf, ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const RATE_LIMITER = (env as unknown as { RATE_LIMITER: DurableObjectNamespace<RateLimitCounter> }).RATE_LIMITER
const ALGORITHMS = ['token-bucket', 'gcra', 'sliding-window'] as const

let serial = 0
/** A rule name no other test uses (names are part of the counter objects' names). */
const ruleName = (what: string) => `${what}-${++serial}-${crypto.randomUUID().slice(0, 8)}`
/** A client address no other test uses. */
const clientIp = () => `198.51.100.${(++serial % 254) + 1}`

type Rule = Record<string, unknown> & { name: string }

/** Portico with one catch-all route answering 200 itself, behind these rules. */
function limited(rules: Rule[], extra: Record<string, unknown> = {}, defaults?: Rule[]): PorticoEnv {
  return withConfig(
    { ...(defaults ? { defaults: { rateLimits: defaults } } : {}), routes: [{ name: 'app', respond: { status: 200, body: 'ok' }, rateLimits: rules }] },
    { RATE_LIMITER, ...extra },
  )
}

function get(bindings: PorticoEnv, headers: Record<string, string> = {}, path = '/'): Promise<Response> {
  return send(`https://app.example.com${path}`, bindings, { headers })
}

/** `n` requests at once; the statuses, in order. */
async function concurrently(n: number, request: (i: number) => Promise<Response>): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: n }, (_, i) => request(i)))
  await Promise.all(responses.map((r) => r.arrayBuffer()))
  return responses.map((r) => r.status)
}
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length

/** The counter object of a rule and key, named as README "Rate limiting" says: rl:<rule>:<hash of key>. */
async function counterOf(rule: string, key: string): Promise<DurableObjectStub<RateLimitCounter>> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))
  const hex = Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')
  return RATE_LIMITER.get(RATE_LIMITER.idFromName(`rl:${rule}:${hex}`))
}

/** Move a counter's stored state `ms` into the past, then evict the object so it loads that state. */
async function moveBack(stub: DurableObjectStub<RateLimitCounter>, ms: number): Promise<void> {
  await runInDurableObject(stub, async (_obj, state) => {
    const s = await state.storage.get<BucketState>('state')
    expect(s).toBeDefined()
    const moved: BucketState | undefined =
      s?.kind === 'token-bucket' ? { ...s, at: s.at - ms } : s?.kind === 'gcra' ? { ...s, tat: s.tat - ms } : s && { ...s, windowStart: s.windowStart - ms }
    await state.storage.put('state', moved)
  })
  await evictDurableObject(stub)
}

describe('exact mode', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: 40 concurrent requests against a limit of 10 admit exactly 10`, async () => {
      const bindings = limited([{ name: ruleName(algorithm), limit: 10, periodSeconds: 60, algorithm }])
      const ip = clientIp()
      const statuses = await concurrently(40, () => get(bindings, { 'CF-Connecting-IP': ip }))
      expect(count(statuses, 200)).toBe(10)
      expect(count(statuses, 429)).toBe(30)
    })
  }

  it('token bucket: a burst below the limit admits the burst at once', async () => {
    const bindings = limited([{ name: ruleName('burst'), limit: 100, periodSeconds: 60, burst: 5 }])
    const ip = clientIp()
    expect(count(await concurrently(20, () => get(bindings, { 'CF-Connecting-IP': ip })), 200)).toBe(5)
  })

  it('lets the admitted requests through to the origin', async () => {
    const bindings = withConfig({ routes: [{ upstream: ORIGIN_URL, rateLimits: [{ name: ruleName('origin'), limit: 2, periodSeconds: 60 }] }] }, { RATE_LIMITER })
    const ip = clientIp()
    for (let i = 0; i < 2; i++) {
      const res = await send(`https://app.example.com/echo/${i}`, bindings, { headers: { 'CF-Connecting-IP': ip } })
      expect(res.status).toBe(200)
      expect((await echoOf(res)).url).toBe(`/echo/${i}`)
    }
    const refused = await send('https://app.example.com/echo/2', bindings, { headers: { 'CF-Connecting-IP': ip } })
    expect(refused.status).toBe(429)
    expect((await problemOf(refused)).type).toBe('urn:portico:rate-limited')
  })
})

describe('fast mode through the Worker (one isolate here)', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: 40 concurrent requests against a limit of 10 admit exactly 10`, async () => {
      const bindings = limited([{ name: ruleName(`fast-${algorithm}`), limit: 10, periodSeconds: 60, algorithm, mode: 'fast' }])
      const ip = clientIp()
      const statuses = await concurrently(40, () => get(bindings, { 'CF-Connecting-IP': ip }))
      expect(count(statuses, 200)).toBe(10)
    })
  }

  it('admits exactly the limit with leases of 10 tokens, and leaves the counter empty', async () => {
    const name = ruleName('fast-leases')
    const bindings = limited([{ name, limit: 200, periodSeconds: 3600, mode: 'fast' }]) // leases of 10
    const ip = clientIp()
    let admitted = 0
    for (let wave = 0; wave < 5; wave++) admitted += count(await concurrently(50, () => get(bindings, { 'CF-Connecting-IP': ip })), 200)
    expect(admitted).toBe(200)
    const state = await runInDurableObject(await counterOf(name, `ip:${ip}`), (_obj, s) => s.storage.get<BucketState>('state'))
    expect(state).toMatchObject({ kind: 'token-bucket' })
    expect((state as { tokens: number }).tokens).toBeLessThan(1)
  })
})

describe('several rules on a route', () => {
  for (const mode of ['exact', 'fast'] as const) {
    it(`${mode}: a request a later rule refuses costs nothing against the earlier ones`, async () => {
      // "per-ip" (3 an hour) is checked first, "per-tenant" (1 an hour per tenant) second.
      const bindings = limited([
        { name: ruleName(`per-ip-${mode}`), limit: 3, periodSeconds: 3600, mode },
        { name: ruleName(`per-tenant-${mode}`), key: [{ header: 'X-Tenant' }], limit: 1, periodSeconds: 3600, mode },
      ])
      const ip = clientIp()
      const as = (tenant: string) => get(bindings, { 'CF-Connecting-IP': ip, 'X-Tenant': tenant })
      expect((await as('t1')).status).toBe(200)
      for (let i = 0; i < 4; i++) expect((await as('t1')).status).toBe(429) // refused by per-tenant
      // per-ip still has two of its three: the four refusals were given back.
      expect((await as('t2')).status).toBe(200)
      expect((await as('t3')).status).toBe(200)
      const third = await as('t4')
      expect(third.status).toBe(429)
      expect((await problemOf(third)).detail).toContain('per-ip')
    })
  }
})

describe('refill', () => {
  it('admits again after limit/period has passed, in real time (2 per second: one every 500 ms)', async () => {
    const bindings = limited([{ name: ruleName('refill'), limit: 2, periodSeconds: 1 }])
    const ip = clientIp()
    expect(count(await concurrently(3, () => get(bindings, { 'CF-Connecting-IP': ip })), 200)).toBe(2)
    const refused = await get(bindings, { 'CF-Connecting-IP': ip })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    await new Promise((resolve) => setTimeout(resolve, 550))
    expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(200)
    expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(429)
  })

  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: a counter moved two periods back admits the whole limit again`, async () => {
      const name = ruleName(`moved-${algorithm}`)
      const bindings = limited([{ name, limit: 3, periodSeconds: 60, algorithm }])
      const ip = clientIp()
      expect(count(await concurrently(5, () => get(bindings, { 'CF-Connecting-IP': ip })), 200)).toBe(3)
      await moveBack(await counterOf(name, `ip:${ip}`), 120_000)
      expect(count(await concurrently(5, () => get(bindings, { 'CF-Connecting-IP': ip })), 200)).toBe(3)
    })

    it(`${algorithm}: a counter moved back by less than Retry-After still refuses, by Retry-After it admits one`, async () => {
      const name = ruleName(`retry-${algorithm}`)
      const bindings = limited([{ name, limit: 4, periodSeconds: 60, algorithm }])
      const ip = clientIp()
      await concurrently(4, () => get(bindings, { 'CF-Connecting-IP': ip }))
      const refused = await get(bindings, { 'CF-Connecting-IP': ip })
      const retryAfterSeconds = Number(refused.headers.get('retry-after'))
      // Token bucket and GCRA: one request per 15 s. Sliding window: the full window weighs 4 until
      // its end, then falls to 3 a quarter into the next: 75 s.
      expect(retryAfterSeconds).toBeGreaterThanOrEqual(algorithm === 'sliding-window' ? 60 : 14)
      expect(retryAfterSeconds).toBeLessThanOrEqual(algorithm === 'sliding-window' ? 75 : 15)
      const counter = await counterOf(name, `ip:${ip}`)
      await moveBack(counter, (retryAfterSeconds - 1) * 1000)
      expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(429)
      await moveBack(counter, 1000)
      expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(200)
    })
  }

  it('keeps a limit of a minute or more through the object being evicted', async () => {
    const name = ruleName('durable')
    const bindings = limited([{ name, limit: 2, periodSeconds: 60 }])
    const ip = clientIp()
    await concurrently(2, () => get(bindings, { 'CF-Connecting-IP': ip }))
    await evictDurableObject(await counterOf(name, `ip:${ip}`))
    expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(429)
  })

  it('keeps a shorter limit in memory only: evicted, it starts afresh', async () => {
    const name = ruleName('memory')
    const bindings = limited([{ name, limit: 2, periodSeconds: 30 }])
    const ip = clientIp()
    await concurrently(2, () => get(bindings, { 'CF-Connecting-IP': ip }))
    expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(429)
    await evictDurableObject(await counterOf(name, `ip:${ip}`))
    expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(200)
  })
})

describe('what a client is told', () => {
  it('refuses with 429 problem+json, Retry-After, RateLimit and RateLimit-Policy', async () => {
    const name = ruleName('told')
    const bindings = limited([{ name, limit: 2, periodSeconds: 60 }])
    const ip = clientIp()
    await get(bindings, { 'CF-Connecting-IP': ip })
    await get(bindings, { 'CF-Connecting-IP': ip })
    const res = await get(bindings, { 'CF-Connecting-IP': ip })
    expect(res.status).toBe(429)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('retry-after')).toBe('30')
    expect(res.headers.get('ratelimit-policy')).toBe(`"${name}";q=2;w=60`)
    expect(res.headers.get('ratelimit')).toBe(`"${name}";r=0;t=60`)
    expect(res.headers.get('x-request-id')).toMatch(/./)
    const body = await problemOf(res)
    expect(body).toMatchObject({ type: 'urn:portico:rate-limited', title: 'Too Many Requests', status: 429 })
    expect(body.detail).toContain(name)
  })

  it('refuses a browser with a page, and the same headers', async () => {
    const name = ruleName('page')
    const bindings = limited([{ name, limit: 1, periodSeconds: 60 }])
    const ip = clientIp()
    await get(bindings, { 'CF-Connecting-IP': ip })
    const res = await get(bindings, { 'CF-Connecting-IP': ip, Accept: 'text/html,application/xhtml+xml' })
    expect(res.status).toBe(429)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('retry-after')).toBe('60')
    expect(res.headers.get('ratelimit')).toBe(`"${name}";r=0;t=60`)
    expect(await res.text()).toContain('429 Too Many Requests')
  })

  it('with headers: true, allowed responses carry RateLimit and RateLimit-Policy, counting down', async () => {
    const name = ruleName('shown')
    const bindings = limited([{ name, limit: 3, periodSeconds: 60, headers: true }])
    const ip = clientIp()
    const remaining: Array<string | null> = []
    for (let i = 0; i < 3; i++) {
      const res = await get(bindings, { 'CF-Connecting-IP': ip })
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit-policy')).toBe(`"${name}";q=3;w=60`)
      remaining.push(res.headers.get('ratelimit'))
    }
    expect(remaining).toEqual([`"${name}";r=2;t=20`, `"${name}";r=1;t=40`, `"${name}";r=0;t=60`])
  })

  it('without headers, allowed responses carry no rate-limit fields', async () => {
    const bindings = limited([{ name: ruleName('quiet'), limit: 3, periodSeconds: 60 }])
    const res = await get(bindings, { 'CF-Connecting-IP': clientIp() })
    expect(res.status).toBe(200)
    expect(res.headers.has('ratelimit')).toBe(false)
    expect(res.headers.has('ratelimit-policy')).toBe(false)
    expect(res.headers.has('retry-after')).toBe(false)
  })

  it('action "log" lets every request through, showing the exhausted quota when asked to', async () => {
    const name = ruleName('log')
    const bindings = limited([{ name, limit: 2, periodSeconds: 60, action: 'log', headers: true }])
    const ip = clientIp()
    const statuses = await concurrently(6, () => get(bindings, { 'CF-Connecting-IP': ip }))
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    expect((await get(bindings, { 'CF-Connecting-IP': ip })).headers.get('ratelimit')).toBe(`"${name}";r=0;t=60`)
  })
})

describe('when the counter cannot be reached', () => {
  // Replaces the RATE_LIMITER binding with a namespace whose objects never answer, or fail at
  // once: an outage of the Durable Object, a fault the real binding in workerd cannot be made to have.
  const unreachable = (fault: 'silent' | 'failing') => {
    const stub = {
      take: () => (fault === 'silent' ? new Promise<never>(() => {}) : Promise.reject(new Error('counter unreachable'))),
      giveBack: () => Promise.resolve(),
    }
    return { idFromName: (name: string) => ({ name }), get: () => stub }
  }
  const TIMEOUT_MS = 100
  /** Time for the rest of the request once the timeout has fired (generous: CI is slow). */
  const MARGIN_MS = 900

  for (const mode of ['exact', 'fast'] as const) {
    for (const fault of ['silent', 'failing'] as const) {
      it(`${mode}, ${fault}: onError "open" lets requests through within the timeout`, async () => {
        const bindings = limited([{ name: ruleName('open'), limit: 1, periodSeconds: 60, mode, onError: 'open', timeoutMs: TIMEOUT_MS, headers: true }], { RATE_LIMITER: unreachable(fault) })
        const started = Date.now()
        const statuses = await concurrently(5, () => get(bindings, { 'CF-Connecting-IP': clientIp() }))
        const elapsed = Date.now() - started
        expect(statuses).toEqual([200, 200, 200, 200, 200])
        expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
        if (fault === 'silent') expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
      })

      it(`${mode}, ${fault}: onError "closed" answers 503 problem+json with Retry-After within the timeout`, async () => {
        const bindings = limited([{ name: ruleName('closed'), limit: 1000, periodSeconds: 60, mode, onError: 'closed', timeoutMs: TIMEOUT_MS }], { RATE_LIMITER: unreachable(fault) })
        const started = Date.now()
        const responses = await Promise.all(Array.from({ length: 5 }, () => get(bindings, { 'CF-Connecting-IP': clientIp() })))
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
        for (const res of responses) {
          expect(res.status).toBe(503)
          expect(res.headers.get('retry-after')).toBe('1')
          expect((await problemOf(res)).type).toBe('urn:portico:rate-limiter-unavailable')
        }
      })
    }
  }

  it('a later request of the same key fails the same way, each within the timeout (nothing stays stuck)', async () => {
    const bindings = limited([{ name: ruleName('again'), limit: 5, periodSeconds: 60, mode: 'fast', onError: 'closed', timeoutMs: TIMEOUT_MS }], { RATE_LIMITER: unreachable('silent') })
    const ip = clientIp()
    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      expect((await get(bindings, { 'CF-Connecting-IP': ip })).status).toBe(503)
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
    }
  })
})

describe('keys that cannot be dodged', () => {
  it('counts the path alike in any case, percent-encoding, doubled slashes or trailing slash', async () => {
    const bindings = limited([{ name: ruleName('path'), key: ['ip', 'path'], limit: 4, periodSeconds: 60 }])
    const ip = clientIp()
    const paths = ['/api/login', '/API/Login', '/api/%6Cogin', '/api//login', '/api/login/', '/%61pi/LOGIN']
    const statuses: number[] = []
    for (const path of paths) statuses.push((await get(bindings, { 'CF-Connecting-IP': ip }, path)).status)
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
    // Another path is another key.
    expect((await get(bindings, { 'CF-Connecting-IP': ip }, '/api/logout')).status).toBe(200)
  })

  it('counts the addresses of one IPv6 /64 together, and another /64 apart', async () => {
    const bindings = limited([{ name: ruleName('v6'), limit: 3, periodSeconds: 60 }])
    const rotating = ['2001:db8:aa:bb::1', '2001:db8:aa:bb:ffff:ffff:ffff:fffe', '2001:DB8:AA:BB:1234::9', '2001:db8:aa:bb:0:0:0:2']
    const statuses: number[] = []
    for (const ip of rotating) statuses.push((await get(bindings, { 'CF-Connecting-IP': ip })).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    expect((await get(bindings, { 'CF-Connecting-IP': '2001:db8:aa:bc::1' })).status).toBe(200)
  })

  it('never reads X-Forwarded-For: a forged one changes nothing, and sharing one does not join two clients', async () => {
    const bindings = limited([{ name: ruleName('xff'), limit: 2, periodSeconds: 60 }])
    const ip = clientIp()
    const forged = ['203.0.113.1', '203.0.113.2', '203.0.113.3, 10.0.0.1']
    const statuses: number[] = []
    for (const xff of forged) statuses.push((await get(bindings, { 'CF-Connecting-IP': ip, 'X-Forwarded-For': xff, Forwarded: `for=${xff.split(',')[0]}` })).status)
    expect(statuses).toEqual([200, 200, 429])
    expect((await get(bindings, { 'CF-Connecting-IP': clientIp(), 'X-Forwarded-For': '203.0.113.1' })).status).toBe(200)
  })

  it('does not limit a request without a client address by an "ip" rule', async () => {
    const bindings = limited([{ name: ruleName('noip'), limit: 1, periodSeconds: 60 }])
    expect(await concurrently(3, () => get(bindings))).toEqual([200, 200, 200])
  })
})

describe('keys by header, cookie and claim', () => {
  it('counts each API key on its own, and does not limit requests without one', async () => {
    const bindings = limited([{ name: ruleName('apikey'), key: [{ header: 'X-Api-Key' }], limit: 2, periodSeconds: 60 }])
    const ip = clientIp()
    const a = await concurrently(3, () => get(bindings, { 'CF-Connecting-IP': ip, 'X-Api-Key': 'key-a' }))
    const b = await concurrently(3, () => get(bindings, { 'CF-Connecting-IP': ip, 'X-Api-Key': 'key-b' }))
    expect(count(a, 200)).toBe(2)
    expect(count(b, 200)).toBe(2)
    expect(await concurrently(3, () => get(bindings, { 'CF-Connecting-IP': ip }))).toEqual([200, 200, 200])
  })

  it('counts a session cookie on its own', async () => {
    const bindings = limited([{ name: ruleName('cookie'), key: [{ cookie: 'sid' }], limit: 1, periodSeconds: 60 }])
    expect((await get(bindings, { Cookie: 'sid=s1; theme=dark' })).status).toBe(200)
    expect((await get(bindings, { Cookie: 'theme=light; sid=s1' })).status).toBe(429)
    expect((await get(bindings, { Cookie: 'sid=s2' })).status).toBe(200)
  })

  it('does not limit by a claim when no token was verified on the route', async () => {
    const bindings = limited([{ name: ruleName('claim'), key: [{ claim: 'sub' }], limit: 1, periodSeconds: 60 }])
    // An unverified token's claims are never read.
    const unsigned = `${btoa('{"alg":"none"}')}.${btoa('{"sub":"mallory"}')}.`
    expect(await concurrently(3, () => get(bindings, { Authorization: `Bearer ${unsigned}` }))).toEqual([200, 200, 200])
  })
})

describe('rules from defaults and the route', () => {
  it('applies both, each refusal naming its rule', async () => {
    const site = ruleName('site')
    const login = ruleName('login')
    const bindings = withConfig(
      {
        defaults: { rateLimits: [{ name: site, limit: 5, periodSeconds: 60, headers: true }] },
        routes: [
          { name: 'login', match: { path: '/login' }, respond: { status: 200 }, rateLimits: [{ name: login, limit: 2, periodSeconds: 60, headers: true }] },
          { name: 'other', respond: { status: 200 } },
        ],
      },
      { RATE_LIMITER },
    )
    const ip = clientIp()
    const first = await get(bindings, { 'CF-Connecting-IP': ip }, '/login')
    expect(first.headers.get('ratelimit-policy')).toBe(`"${site}";q=5;w=60, "${login}";q=2;w=60`)
    expect((await get(bindings, { 'CF-Connecting-IP': ip }, '/login')).status).toBe(200)
    const third = await get(bindings, { 'CF-Connecting-IP': ip }, '/login')
    expect(third.status).toBe(429)
    expect(third.headers.get('ratelimit-policy')).toBe(`"${login}";q=2;w=60`)
    // The site-wide rule counts the other route too, and the /login requests with it.
    const other: number[] = []
    for (let i = 0; i < 5; i++) other.push((await get(bindings, { 'CF-Connecting-IP': ip }, '/other')).status)
    expect(count(other, 200)).toBeLessThanOrEqual(3)
    expect(other.at(-1)).toBe(429)
    const refused = await get(bindings, { 'CF-Connecting-IP': ip }, '/other')
    expect(refused.headers.get('ratelimit-policy')).toBe(`"${site}";q=5;w=60`)
  })
})

describe('config errors', () => {
  const configErrors = async (bindings: PorticoEnv) => {
    const res = await get(bindings)
    expect(res.status).toBe(500)
    const body = await problemOf(res)
    expect(body.type).toBe('urn:portico:config-invalid')
    return body.errors ?? []
  }

  it('refuses two rules of one name, across defaults and the route', async () => {
    const errors = await configErrors(limited([{ name: 'dup', limit: 1, periodSeconds: 60 }], {}, [{ name: 'dup', limit: 5, periodSeconds: 60 }]))
    expect(errors).toContainEqual({ path: 'routes[0].rateLimits', message: expect.stringContaining("two rules are named 'dup'") })
  })

  it('asks for the RATE_LIMITER binding when it is missing', async () => {
    const errors = await configErrors(limited([{ name: 'nobinding', limit: 1, periodSeconds: 60 }], { RATE_LIMITER: undefined }))
    expect(errors).toContainEqual({ path: 'routes[0].rateLimits', message: expect.stringContaining('RATE_LIMITER') })
  })

  it('lists every invalid field of a rule at once', async () => {
    const errors = await configErrors(limited([{ name: 'bad name!', limit: 0, periodSeconds: 60, algorithm: 'leaky', mode: 'eventual', onError: 'maybe' }]))
    const paths = errors.map((e) => e.path)
    for (const field of ['name', 'limit', 'algorithm', 'mode', 'onError']) expect(paths).toContainEqual(expect.stringContaining(`rateLimits[0].${field}`))
  })
})
