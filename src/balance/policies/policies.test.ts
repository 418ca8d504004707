import { describe, expect, it } from 'vitest'
import type { Picker, UpstreamView } from '../pick.ts'
import { ConsistentHash } from './consistent-hash.ts'
import { LeastConnections, LeastTime, PowerOfTwoChoices } from './least-load.ts'
import { RoundRobin } from './round-robin.ts'
import { SmoothWeighted } from './smooth-weighted.ts'
import { WeightedRandom } from './weighted-random.ts'
import { seeded } from '../../../test/support/seeded.ts'

const up = (key: string, weight = 1, extra: Partial<UpstreamView> = {}): UpstreamView => ({ index: 0, key, weight, inFlight: 0, latencyEwmaMs: undefined, ...extra })

function shares(picker: Picker, pool: UpstreamView[], n: number, keyOf: (i: number) => string | undefined = () => undefined, seed = 1) {
  const random = seeded(seed)
  const counts = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const hash = keyOf(i)
    const got = picker.pick(pool, hash === undefined ? {} : { hash }, random)
    counts.set(got?.key ?? 'none', (counts.get(got?.key ?? 'none') ?? 0) + 1)
  }
  return Object.fromEntries([...counts].map(([k, c]) => [k, c / n]))
}

describe('RoundRobin', () => {
  it('takes each candidate in turn, ignoring weight', () => {
    const rr = new RoundRobin()
    const pool = [up('a', 5), up('b'), up('c')]
    expect(Array.from({ length: 6 }, () => rr.pick(pool)?.key).join('')).toBe('abcabc')
  })

  it('keeps first tries in turn when a retry picks among fewer candidates', () => {
    // Each request's first try goes to a, which fails, and its retry to one of the rest: a
    // still gets only its share of first tries, rather than every one.
    const rr = new RoundRobin()
    const [a, b, c] = [up('a'), up('b'), up('c')]
    const firsts: string[] = []
    for (let i = 0; i < 30; i++) {
      const first = rr.pick([a, b, c])?.key ?? '?'
      firsts.push(first)
      if (first === 'a') rr.pick([b, c])
    }
    expect(firsts.filter((k) => k === 'a')).toHaveLength(10)
  })
})

describe('SmoothWeighted', () => {
  it('gives exact shares by weight over each cycle, interleaved', () => {
    const p = new SmoothWeighted()
    const pool = [up('a', 5), up('b'), up('c')]
    expect(Array.from({ length: 14 }, () => p.pick(pool)?.key).join('')).toBe('aabacaaaabacaa')
  })

  it('shares evenly among the rest when a candidate drops out', () => {
    const p = new SmoothWeighted()
    const [a, b, c] = [up('a'), up('b'), up('c')]
    for (let i = 0; i < 5; i++) p.pick([a, b, c])
    const picks = Array.from({ length: 100 }, () => p.pick([a, c])?.key)
    expect(Math.abs(picks.filter((k) => k === 'a').length - 50)).toBeLessThanOrEqual(1)
  })
})

describe('WeightedRandom', () => {
  it('spreads picks in proportion to weight within 2% over 20,000 picks', () => {
    const s = shares(new WeightedRandom(), [up('a', 1), up('b', 2), up('c', 7)], 20_000)
    expect(s.a).toBeCloseTo(0.1, 1)
    expect(Math.abs((s.b ?? 0) - 0.2)).toBeLessThan(0.02)
    expect(Math.abs((s.c ?? 0) - 0.7)).toBeLessThan(0.02)
  })
})

describe('LeastConnections', () => {
  it('picks the upstream with the fewest in-flight requests per weight', () => {
    // (in-flight + 1) / weight: a 4, b 2, c 2.5
    const pool = [up('a', 1, { inFlight: 3 }), up('b', 1, { inFlight: 1 }), up('c', 4, { inFlight: 9 })]
    expect(new LeastConnections().pick(pool, {}, seeded(1))?.key).toBe('b')
  })

  it('breaks ties at random rather than always favouring the first', () => {
    const s = shares(new LeastConnections(), [up('a'), up('b'), up('c')], 3000)
    for (const k of ['a', 'b', 'c']) expect(s[k]).toBeGreaterThan(0.28)
  })
})

describe('LeastTime', () => {
  it('prefers the faster upstream, weighing in-flight requests', () => {
    const fast = up('fast', 1, { latencyEwmaMs: 10, inFlight: 2 })
    const slow = up('slow', 1, { latencyEwmaMs: 100, inFlight: 0 })
    expect(new LeastTime().pick([slow, fast], {}, seeded(2))?.key).toBe('fast')
  })

  it('sends traffic to an upstream not yet measured', () => {
    const measured = up('m', 1, { latencyEwmaMs: 50 })
    const fresh = up('new', 1)
    expect(new LeastTime().pick([measured, fresh], {}, seeded(3))?.key).toBe('new')
  })
})

describe('PowerOfTwoChoices', () => {
  it('avoids a loaded upstream yet still spreads load when all are equal', () => {
    const busy = [up('a', 1, { inFlight: 50 }), up('b'), up('c'), up('d')]
    expect(shares(new PowerOfTwoChoices(), busy, 4000).a ?? 0).toBeLessThan(0.1)
    const even = shares(new PowerOfTwoChoices(), [up('a'), up('b'), up('c'), up('d')], 8000)
    for (const k of ['a', 'b', 'c', 'd']) expect(Math.abs((even[k] ?? 0) - 0.25)).toBeLessThan(0.03)
  })
})

describe('ConsistentHash', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `/item/${i}`)
  const assign = (pool: UpstreamView[]) => new Map(keys.map((k) => [k, new ConsistentHash().pick(pool, { hash: k }, seeded(1))?.key]))

  it('maps a key to the same upstream every time, in any order of the pool', () => {
    const pool = [up('a'), up('b'), up('c')]
    const one = assign(pool)
    const reordered = assign([...pool].reverse())
    expect([...one].every(([k, v]) => reordered.get(k) === v)).toBe(true)
  })

  it('spreads keys by weight within 2%', () => {
    const s = shares(new ConsistentHash(), [up('a', 1), up('b', 1), up('c', 2)], keys.length, (i) => keys[i])
    expect(Math.abs((s.c ?? 0) - 0.5)).toBeLessThan(0.02)
    expect(Math.abs((s.a ?? 0) - 0.25)).toBeLessThan(0.02)
  })

  it('moves about 1/N of the keys when an upstream joins, and only to the new one', () => {
    const before = assign([up('a'), up('b'), up('c'), up('d')])
    const after = assign([up('a'), up('b'), up('c'), up('d'), up('e')])
    const moved = keys.filter((k) => before.get(k) !== after.get(k))
    expect(moved.every((k) => after.get(k) === 'e')).toBe(true)
    expect(Math.abs(moved.length / keys.length - 1 / 5)).toBeLessThan(0.02)
  })

  it('moves only the keys of an upstream that leaves', () => {
    const before = assign([up('a'), up('b'), up('c'), up('d')])
    const after = assign([up('a'), up('b'), up('d')])
    const moved = keys.filter((k) => before.get(k) !== after.get(k))
    expect(moved.every((k) => before.get(k) === 'c')).toBe(true)
  })

  it('spreads by weight when the request has no key', () => {
    const s = shares(new ConsistentHash(), [up('a'), up('b')], 4000)
    expect(Math.abs((s.a ?? 0) - 0.5)).toBeLessThan(0.05)
  })
})
