/// <reference types="@cloudflare/vitest-plugin/types" />
// Balancing against the real origin: upstreams told apart by their base paths. Weighted pools,
// sticky cookies, consistent and client-address hashing.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { stickyValue } from '../../src/balance/index.ts'
import type { PorticoEnv } from '../../src/config/index.ts'
import worker from '../../src/index.ts'
import { echoOf, ORIGIN_URL, send, withConfig } from './harness.ts'

describe('a weighted pool', () => {
  it('spreads requests by weight, interleaved (5, 1, 1 → a a b a c a a)', async () => {
    const env = withConfig({
      pools: { web: { upstreams: [{ url: `${ORIGIN_URL}/echo/a`, weight: 5 }, `${ORIGIN_URL}/echo/b`, { url: `${ORIGIN_URL}/echo/c`, weight: 1 }] } },
      routes: [{ pool: 'web' }],
    })
    const seen: string[] = []
    for (let i = 0; i < 14; i++) seen.push((await echoOf(await send('https://www.example.com/x', env))).url.split('/')[2] ?? '?')
    expect(seen.join('')).toBe('aabacaa'.repeat(2))
  })

  it('gives each route that names the pool the same rotation', async () => {
    const env = withConfig({
      pools: { web: { upstreams: [`${ORIGIN_URL}/echo/a`, `${ORIGIN_URL}/echo/b`] } },
      routes: [
        { match: { path: '/one' }, pool: 'web' },
        { match: { path: '/two' }, pool: 'web' },
      ],
    })
    const seen: string[] = []
    for (const path of ['/one', '/two', '/one', '/two']) seen.push((await echoOf(await send(`https://www.example.com${path}`, env))).url)
    expect(seen).toEqual(['/echo/a/one', '/echo/b/two', '/echo/a/one', '/echo/b/two'])
  })
})

/** Through the whole Worker, waiting for its background work (health reports) to finish. */
async function request(url: string, bindings: PorticoEnv, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(url, init), bindings, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

const servedBy = async (res: Response) => (await echoOf(res)).url.split('/')[2] ?? '?'
const THREE = [`${ORIGIN_URL}/echo/a`, `${ORIGIN_URL}/echo/b`, `${ORIGIN_URL}/echo/c`]
const STICKY_KEY = 'sticky-test-secret-0123456789'

describe('a sticky pool', () => {
  const stickyEnv = (name: string, upstreams = THREE, secret = STICKY_KEY) =>
    withConfig({ pools: { [name]: { upstreams, algorithm: 'round-robin', sticky: { secret: { secret: 'STICKY_KEY' } } } }, routes: [{ pool: name }] }, { STICKY_KEY: secret })

  it('sets a signed cookie on the first response and sends the client back to the same upstream with it', async () => {
    const env = stickyEnv('sticky')
    const first = await request('https://www.example.com/cart', env)
    const setCookie = first.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^portico_sticky=[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{22}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/)
    const home = await servedBy(first)
    const cookie = setCookie.split(';')[0] as string
    for (let i = 0; i < 5; i++) {
      const res = await request('https://www.example.com/cart', env, { headers: { cookie: `theme=dark; ${cookie}` } })
      expect(res.headers.get('set-cookie'), 'no new cookie while it holds').toBeNull()
      expect(await servedBy(res)).toBe(home)
    }
    // Without the cookie, round robin moves on.
    expect(await servedBy(await request('https://www.example.com/cart', env))).not.toBe(home)
  })

  it('leaves Secure off over plain http', async () => {
    const res = await request('http://www.example.com/cart', stickyEnv('sticky-http'))
    expect(res.headers.get('set-cookie')).toMatch(/; SameSite=Lax$/)
    await res.body?.cancel()
  })

  it('ignores a forged cookie and assigns an upstream of its own', async () => {
    const env = stickyEnv('sticky-forged')
    const forged = `${btoa(`${ORIGIN_URL}/echo/c`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.9999999999.${'A'.repeat(22)}`
    const res = await request('https://www.example.com/cart', env, { headers: { cookie: `portico_sticky=${forged}` } })
    expect(await servedBy(res)).toBe('a') // round robin's first, not the forged c
    expect(res.headers.get('set-cookie')).toMatch(/^portico_sticky=/)
  })

  it('ignores a cookie signed with another secret', async () => {
    const other = await stickyValue('sticky-rotated', `${ORIGIN_URL}/echo/c`, { cookie: 'portico_sticky', ttlSeconds: 3_600, secret: 'old-secret' }, Date.now())
    const res = await request('https://www.example.com/cart', stickyEnv('sticky-rotated'), { headers: { cookie: `portico_sticky=${other}` } })
    expect(await servedBy(res)).toBe('a')
  })

  it('moves a client whose upstream is down to a live one, with a new cookie', async () => {
    const dead = 'http://127.0.0.1:1'
    const env = stickyEnv('sticky-dead', [dead, `${ORIGIN_URL}/echo/b`, `${ORIGIN_URL}/echo/c`])
    const toDead = await stickyValue('sticky-dead', dead, { cookie: 'portico_sticky', ttlSeconds: 3_600, secret: STICKY_KEY }, Date.now())
    const res = await request('https://www.example.com/cart', env, { headers: { cookie: `portico_sticky=${toDead}` } })
    expect(res.status).toBe(200)
    const now = await servedBy(res)
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(cookie).toMatch(/^portico_sticky=/)
    for (let i = 0; i < 3; i++) expect(await servedBy(await request('https://www.example.com/cart', env, { headers: { cookie } }))).toBe(now)
  })
})

describe('a consistent-hash pool', () => {
  const users = Array.from({ length: 12 }, (_, i) => `user-${i}`)

  async function assignments(name: string, upstreams: string[]): Promise<Map<string, Set<string>>> {
    const env = withConfig({ pools: { [name]: { upstreams, algorithm: 'consistent-hash', hashOn: { header: 'X-User' } } }, routes: [{ pool: name }] })
    const seen = new Map<string, Set<string>>()
    for (let round = 0; round < 3; round++) {
      for (const user of users) {
        const where = await servedBy(await request('https://www.example.com/profile', env, { headers: { 'x-user': user } }))
        seen.set(user, (seen.get(user) ?? new Set()).add(where))
      }
    }
    return seen
  }

  it('sends every request with the same key to the same upstream, and different keys to several', async () => {
    const seen = await assignments('hashed', THREE)
    for (const [user, where] of seen) expect([...where], user).toHaveLength(1)
    expect(new Set([...seen.values()].flatMap((s) => [...s])).size).toBeGreaterThan(1)
    // Another isolate, with the upstreams listed in another order, agrees key by key.
    const again = await assignments('hashed-reordered', [...THREE].reverse())
    for (const user of users) expect(again.get(user), user).toEqual(seen.get(user))
  })

  it('keeps a client address on one upstream with ip-hash', async () => {
    const env = withConfig({ pools: { iphash: { upstreams: THREE, algorithm: 'ip-hash' } }, routes: [{ pool: 'iphash' }] })
    for (const ip of ['203.0.113.7', '2001:db8::1']) {
      const where = new Set<string>()
      for (let i = 0; i < 4; i++) where.add(await servedBy(await request('https://www.example.com/', env, { headers: { 'cf-connecting-ip': ip } })))
      expect(where.size, ip).toBe(1)
    }
  })
})
