// Weighted pools against the real origin: two upstreams told apart by their base paths.
import { describe, expect, it } from 'vitest'
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
