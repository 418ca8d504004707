import { describe, expect, it } from 'vitest'
import { compileConfig, type CompiledConfig, type CompiledPool } from '../config/index.ts'
import { chooseUpstream, ipHashKey, cookieValue, runtimeOf } from './index.ts'

function pools(raw: Record<string, unknown>): ReadonlyMap<string, CompiledPool> {
  const result = compileConfig({ pools: raw, routes: [{ pool: Object.keys(raw)[0] }] }, { text: (n) => (n === 'STICKY' ? 'sticky-secret' : undefined), hasService: () => false })
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  return (result.config as CompiledConfig).pools
}

const input = (extra: Partial<Parameters<typeof chooseUpstream>[1]> = {}) => ({
  req: new Request('https://www.example.com/a?b=1'),
  url: new URL('https://www.example.com/a?b=1'),
  clientIp: '192.0.2.1',
  tried: new Set<string>(),
  now: 1_000_000,
  random: () => 0.5,
  ...extra,
})

const host = async (pool: CompiledPool, extra: Partial<Parameters<typeof chooseUpstream>[1]> = {}) => {
  const c = await chooseUpstream(pool, input(extra))
  return c?.upstream.kind === 'url' ? c.upstream.hostname : c?.upstream.key
}

describe('chooseUpstream', () => {
  it('always picks the only upstream', async () => {
    const pool = pools({ one: { upstreams: ['https://a.internal'] } }).get('one') as CompiledPool
    expect(await Promise.all([1, 2, 3].map(() => host(pool)))).toEqual(['a.internal', 'a.internal', 'a.internal'])
  })

  it("keeps each pool's rotation apart", async () => {
    const p = pools({ p1: { upstreams: [{ url: 'https://a.internal', weight: 2 }, 'https://b.internal'] }, p2: { upstreams: ['https://x.internal', 'https://y.internal'] } })
    const seen: Array<string | undefined> = []
    for (let i = 0; i < 3; i++) seen.push(await host(p.get('p1') as CompiledPool), await host(p.get('p2') as CompiledPool))
    expect(seen).toEqual(['a.internal', 'x.internal', 'b.internal', 'y.internal', 'a.internal', 'x.internal'])
  })

  it('sends a retry to an upstream not tried yet, and gives up when none is left', async () => {
    const pool = pools({ p: { upstreams: ['https://a.internal', 'https://b.internal'] } }).get('p') as CompiledPool
    expect(await host(pool, { tried: new Set(['https://a.internal']) })).toBe('b.internal')
    expect(await chooseUpstream(pool, input({ tried: new Set(['https://a.internal', 'https://b.internal']) }))).toBeUndefined()
  })

  it('falls over to the backup pool when every primary upstream was tried', async () => {
    const p = pools({ main: { upstreams: ['https://a.internal'], backup: 'spare' }, spare: { upstreams: ['https://s.internal'] } })
    const main = p.get('main') as CompiledPool
    expect(await host(main, { tried: new Set(['https://a.internal']) })).toBe('s.internal')
  })

  it('hashes ip-hash on the client address, the same upstream every time', async () => {
    const pool = pools({ p: { algorithm: 'ip-hash', upstreams: ['https://a.internal', 'https://b.internal', 'https://c.internal'] } }).get('p') as CompiledPool
    const first = await host(pool, { clientIp: '198.51.100.7' })
    for (let i = 0; i < 5; i++) expect(await host(pool, { clientIp: '198.51.100.7', random: Math.random })).toBe(first)
  })

  it('hashes consistent-hash on the configured header', async () => {
    const pool = pools({ p: { algorithm: 'consistent-hash', hashOn: { header: 'X-User' }, upstreams: ['https://a.internal', 'https://b.internal', 'https://c.internal'] } }).get('p') as CompiledPool
    const req = new Request('https://www.example.com/', { headers: { 'x-user': 'alice' } })
    const first = await host(pool, { req })
    for (let i = 0; i < 5; i++) expect(await host(pool, { req: new Request(`https://www.example.com/${i}`, { headers: { 'x-user': 'alice' } }) })).toBe(first)
  })
})

describe('chooseUpstream and health over time', () => {
  it('leaves an ejected upstream out, and picks it again once its ejection ends with nothing else happening', async () => {
    const pool = pools({ p: { algorithm: 'round-robin', upstreams: ['https://a.internal', 'https://b.internal'], health: { passive: { consecutiveFailures: 1, baseEjectionMs: 10_000 } } } }).get('p') as CompiledPool
    const now = 5_000_000
    const seen = async (at: number) => new Set(await Promise.all([1, 2, 3, 4].map(() => host(pool, { now: at }))))
    expect(await seen(now)).toEqual(new Set(['a.internal', 'b.internal']))
    runtimeOf(pool).tracker?.record('https://a.internal', false, undefined, now, 'test')
    expect(await seen(now + 1)).toEqual(new Set(['b.internal']))
    expect(await seen(now + 9_999)).toEqual(new Set(['b.internal']))
    expect(await seen(now + 10_000)).toEqual(new Set(['a.internal', 'b.internal']))
  })
})

describe('ipHashKey', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2'],
    ['2001:db8:1:2::9', '2001:db8:1:2'],
    ['2001:DB8:0001:0002:aaaa::1', '2001:db8:1:2'],
    ['2001::1:2:3:4:5:6', '2001:0:1:2'],
    ['::1', '0:0:0:0'],
  ])('%s hashes as %s', (ip, key) => expect(ipHashKey(ip)).toBe(key))
})

describe('cookieValue', () => {
  it('finds a cookie by exact name', () => {
    expect(cookieValue('a=1; uid=42; b=2', 'uid')).toBe('42')
    expect(cookieValue('xuid=1', 'uid')).toBeUndefined()
    expect(cookieValue(null, 'uid')).toBeUndefined()
  })
})
