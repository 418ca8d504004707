import { describe, expect, it } from 'vitest'
import {
  applyOutcomes,
  applyProbe,
  freshUpstream,
  isAvailable,
  mergeBatches,
  nextRecovery,
  reconcile,
  singleOutcome,
  weightFactor,
  type ActiveCheck,
  type HealthPolicy,
  type OutcomeBatch,
  type PoolHealth,
  type UpstreamHealth,
} from './state.ts'

const T0 = 1_700_000_000_000

const policy = (over: Partial<HealthPolicy> = {}): HealthPolicy => ({
  active: undefined,
  consecutiveFailures: 3,
  baseEjectionMs: 1_000,
  maxEjectionMs: 10_000,
  maxEjectedPercent: 100,
  slowStartMs: 0,
  ...over,
})

const active = (over: Partial<ActiveCheck> = {}): ActiveCheck => ({
  path: '/healthz',
  method: 'GET',
  intervalMs: 10_000,
  timeoutMs: 2_000,
  expectStatus: [[200, 399]],
  bodyContains: undefined,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
  ...over,
})

const pool = (...keys: string[]): PoolHealth => reconcile({}, keys)
const of = (state: PoolHealth, key: string): UpstreamHealth => {
  const u = state[key]
  if (!u) throw new Error(`no upstream ${key}`)
  return u
}

/** Report outcomes one request at a time: 'S' a success, 'F' a failure. */
function outcomes(state: PoolHealth, key: string, seq: string, now: number, p: HealthPolicy): PoolHealth {
  for (const c of seq) state = applyOutcomes(state, key, singleOutcome(c === 'S', c === 'S' ? 10 : undefined, 'connect failure'), now, p)
  return state
}

/** The same outcomes as one batch, as an isolate would send them. */
function batchOf(seq: string): OutcomeBatch {
  return [...seq].map((c) => singleOutcome(c === 'S', undefined, `failure ${c}`)).reduce(mergeBatches, { successes: 0, failures: 0, trailingFailures: 0, latencySumMs: 0, latencyCount: 0 })
}

/** Probe results one at a time: '+' passed, '-' failed. */
function probes(state: PoolHealth, key: string, seq: string, now: number, p: HealthPolicy): PoolHealth {
  for (const c of seq) state = applyProbe(state, key, c === '+', c === '+' ? 5 : undefined, now, p, c === '+' ? undefined : 'probe status 500')
  return state
}

describe('passive ejection', () => {
  it.each([1, 3, 5])('ejects an upstream for baseEjectionMs at failure number consecutiveFailures (%i) in a row, not before', (threshold) => {
    const p = policy({ consecutiveFailures: threshold })
    let state = outcomes(pool('a', 'b'), 'a', 'F'.repeat(threshold - 1), T0, p)
    expect(isAvailable(of(state, 'a'), T0)).toBe(true)
    state = outcomes(state, 'a', 'F', T0, p)
    expect(isAvailable(of(state, 'a'), T0)).toBe(false)
    expect(of(state, 'a').ejectedUntil).toBe(T0 + p.baseEjectionMs)
    expect(isAvailable(of(state, 'a'), T0 + p.baseEjectionMs)).toBe(true)
  })

  it('starts the count again after a success', () => {
    const p = policy({ consecutiveFailures: 3 })
    const state = outcomes(pool('a', 'b'), 'a', 'FFSFF', T0, p)
    expect(isAvailable(of(state, 'a'), T0)).toBe(true)
    expect(of(state, 'a').consecutiveFailures).toBe(2)
    expect(isAvailable(of(outcomes(state, 'a', 'F', T0, p), 'a'), T0)).toBe(false)
  })

  it('doubles the ejection each time the upstream is ejected again, capped at maxEjectionMs', () => {
    const p = policy({ consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 5_000 })
    let state = pool('a', 'b')
    let now = T0
    const durations: number[] = []
    for (let i = 0; i < 6; i++) {
      state = outcomes(state, 'a', 'FF', now, p)
      durations.push(of(state, 'a').ejectedUntil - now)
      now = of(state, 'a').ejectedUntil // back in service, and failing again
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000])
  })

  it('keeps doubling for an upstream that answers now and then between ejections', () => {
    const p = policy({ consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 60_000 })
    let state = pool('a', 'b')
    let now = T0
    const durations: number[] = []
    for (let i = 0; i < 4; i++) {
      state = outcomes(state, 'a', 'SFF', now, p) // one lucky request after each return
      durations.push(of(state, 'a').ejectedUntil - now)
      now = of(state, 'a').ejectedUntil
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 8_000])
  })

  it('forgives earlier ejections after a healthy run longer than maxEjectionMs', () => {
    const p = policy({ consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 5_000 })
    let state = outcomes(pool('a', 'b'), 'a', 'FF', T0, p)
    let now = of(state, 'a').ejectedUntil
    state = outcomes(state, 'a', 'FF', now, p) // second ejection: 2 s
    now = of(state, 'a').ejectedUntil
    state = outcomes(state, 'a', 'S', now + 5_001, p) // healthy for longer than maxEjectionMs
    now += 6_000
    state = outcomes(state, 'a', 'FF', now, p)
    expect(of(state, 'a').ejectedUntil - now).toBe(1_000)
  })

  it.each<[number, number, number]>([
    // upstreams, maxEjectedPercent, at most ejected
    [3, 50, 1],
    [2, 50, 1],
    [4, 50, 2],
    [5, 20, 1],
    [10, 35, 3],
    [3, 0, 0],
    [3, 100, 3],
  ])('of %i failing upstreams at maxEjectedPercent %i ejects only %i', (n, percent, most) => {
    const p = policy({ consecutiveFailures: 2, maxEjectedPercent: percent })
    const keys = Array.from({ length: n }, (_, i) => `u${i}`)
    let state = pool(...keys)
    for (let round = 0; round < 3; round++) for (const k of keys) state = outcomes(state, k, 'FF', T0, p)
    expect(keys.filter((k) => !isAvailable(of(state, k), T0))).toHaveLength(most)
  })

  it('ejects another failing upstream once an earlier ejection has ended', () => {
    const p = policy({ consecutiveFailures: 1, maxEjectedPercent: 50 })
    let state = outcomes(pool('a', 'b', 'c'), 'a', 'F', T0, p)
    state = outcomes(state, 'b', 'F', T0, p)
    expect(isAvailable(of(state, 'b'), T0)).toBe(true) // a is out: b would make two of three
    const later = T0 + p.baseEjectionMs
    state = outcomes(state, 'b', 'F', later, p)
    expect(isAvailable(of(state, 'b'), later)).toBe(false)
  })

  it('never ejects with passive health off (an unreachable threshold), yet counts the failures', () => {
    const p = policy({ consecutiveFailures: Number.MAX_SAFE_INTEGER })
    const state = outcomes(pool('a', 'b'), 'a', 'F'.repeat(100), T0, p)
    expect(isAvailable(of(state, 'a'), T0)).toBe(true)
    expect(of(state, 'a')).toMatchObject({ requests: 100, failures: 100, lastFailure: 'connect failure' })
  })

  it('ignores outcomes for an upstream the pool no longer has', () => {
    const state = pool('a', 'b')
    expect(applyOutcomes(state, 'gone', singleOutcome(false, undefined), T0, policy())).toBe(state)
  })
})

describe('batches of outcomes', () => {
  it.each<[string, string, number]>([
    // earlier batch, later batch, trailing failures of the merged batch
    ['FF', 'SF', 1],
    ['SF', 'FF', 3],
    ['F', 'F', 2],
    ['S', '', 0],
    ['FFS', 'S', 0],
    ['', 'FFF', 3],
    ['SFSF', 'F', 2],
  ])('merges %j then %j into a batch ending in %i failures', (earlier, later, trailing) => {
    const merged = mergeBatches(batchOf(earlier), batchOf(later))
    const all = earlier + later
    expect(merged).toMatchObject({
      successes: [...all].filter((c) => c === 'S').length,
      failures: [...all].filter((c) => c === 'F').length,
      trailingFailures: trailing,
    })
  })

  it.each(['FFSFF', 'FFFF', 'SSS', 'FSF', 'FF', 'SFFF'])('folds the batch %j as it folds the same outcomes one by one', (seq) => {
    const p = policy({ consecutiveFailures: 1_000 })
    // The object already holds two failures in a row from other isolates.
    const prior = outcomes(pool('a', 'b'), 'a', 'FF', T0, p)
    const oneByOne = of(outcomes(prior, 'a', seq, T0, p), 'a')
    const batched = of(applyOutcomes(prior, 'a', batchOf(seq), T0, p), 'a')
    expect(batched.consecutiveFailures).toBe(oneByOne.consecutiveFailures)
    expect(batched.requests).toBe(oneByOne.requests)
    expect(batched.failures).toBe(oneByOne.failures)
  })

  it('ejects when a batch ends in enough failures, even after successes earlier in it', () => {
    const p = policy({ consecutiveFailures: 3 })
    const state = applyOutcomes(pool('a', 'b'), 'a', batchOf('SSFFF'), T0, p)
    expect(isAvailable(of(state, 'a'), T0)).toBe(false)
  })

  it('keeps the most recent failure reason', () => {
    const merged = mergeBatches(singleOutcome(false, undefined, 'timeout'), mergeBatches(singleOutcome(false, undefined, 'status 502'), singleOutcome(true, 3)))
    expect(merged.lastFailure).toBe('status 502')
    expect(of(applyOutcomes(pool('a', 'b'), 'a', merged, T0, policy()), 'a').lastFailure).toBe('status 502')
  })
})

describe('active probes', () => {
  const p = policy({ active: active({ healthyThreshold: 2, unhealthyThreshold: 3 }) })

  it.each([1, 2, 3, 5])('marks an upstream down after %i failed probes in a row, not before', (threshold) => {
    const q = policy({ active: active({ unhealthyThreshold: threshold }) })
    let state = probes(pool('a', 'b'), 'a', '-'.repeat(threshold - 1), T0, q)
    expect(isAvailable(of(state, 'a'), T0)).toBe(true)
    state = probes(state, 'a', '-', T0, q)
    expect(of(state, 'a').probeHealthy).toBe(false)
    expect(isAvailable(of(state, 'a'), T0)).toBe(false)
    expect(of(state, 'a').lastFailure).toBe('probe status 500')
  })

  it('needs the failures in a row: a passing probe between them starts the count again', () => {
    const state = probes(pool('a', 'b'), 'a', '--+--', T0, p)
    expect(of(state, 'a').probeHealthy).toBe(true)
    expect(of(probes(state, 'a', '-', T0, p), 'a').probeHealthy).toBe(false)
  })

  it('brings a down upstream back after healthyThreshold passing probes in a row', () => {
    let state = probes(pool('a', 'b'), 'a', '---', T0, p)
    state = probes(state, 'a', '+-+', T0 + 1, p) // not two in a row yet
    expect(of(state, 'a').probeHealthy).toBe(false)
    state = probes(state, 'a', '+', T0 + 2, p)
    expect(of(state, 'a').probeHealthy).toBe(true)
    expect(isAvailable(of(state, 'a'), T0 + 2)).toBe(true)
  })

  it('ends a passive ejection early when the probes bring the upstream back', () => {
    let state = outcomes(pool('a', 'b'), 'a', 'FFF', T0, p)
    expect(of(state, 'a').ejectedUntil).toBe(T0 + 1_000)
    state = probes(state, 'a', '---', T0 + 10, p)
    state = probes(state, 'a', '++', T0 + 20, p)
    expect(isAvailable(of(state, 'a'), T0 + 20)).toBe(true)
  })

  it('leaves a passive ejection alone while the probes were passing all along', () => {
    let state = outcomes(pool('a', 'b'), 'a', 'FFF', T0, p)
    state = probes(state, 'a', '+++', T0 + 10, p)
    expect(isAvailable(of(state, 'a'), T0 + 10)).toBe(false)
  })

  it('keeps a latency average from passing probes', () => {
    let state = applyProbe(pool('a', 'b'), 'a', true, 100, T0, p)
    state = applyProbe(state, 'a', true, 200, T0, p)
    state = applyProbe(state, 'a', false, undefined, T0, p)
    expect(of(state, 'a').latencyEwmaMs).toBeCloseTo(130) // 100 + 0.3 * (200 - 100)
  })

  it('ignores probe results when the pool has no active check, or for an unknown upstream', () => {
    const state = pool('a', 'b')
    expect(applyProbe(state, 'a', false, undefined, T0, policy())).toBe(state)
    expect(applyProbe(state, 'gone', false, undefined, T0, p)).toBe(state)
  })
})

describe('slow start', () => {
  const S = 10_000
  const p = policy({ slowStartMs: S, consecutiveFailures: 1, baseEjectionMs: 1_000, active: active({ healthyThreshold: 1, unhealthyThreshold: 1 }) })

  it.each<[number, number]>([
    // ms since it came back, weight factor
    [0, 0.1],
    [500, 0.1],
    [1_000, 0.1],
    [2_500, 0.25],
    [5_000, 0.5],
    [9_000, 0.9],
    [10_000, 1],
    [60_000, 1],
  ])('gives an upstream the probes brought back, %i ms later, %f of its weight', (elapsed, factor) => {
    let state = probes(pool('a', 'b'), 'a', '-', T0, p)
    state = probes(state, 'a', '+', T0 + 3_000, p)
    expect(weightFactor(of(state, 'a'), T0 + 3_000 + elapsed, p)).toBeCloseTo(factor)
  })

  it.each<[number, number]>([
    [0, 0.1],
    [5_000, 0.5],
    [10_000, 1],
  ])('ramps an upstream back from a passive ejection too: %i ms after the ejection ended, %f', (elapsed, factor) => {
    const state = outcomes(pool('a', 'b'), 'a', 'F', T0, p)
    const back = of(state, 'a').ejectedUntil
    expect(weightFactor(of(state, 'a'), back + elapsed, p)).toBeCloseTo(factor)
  })

  it('ramps again after a second ejection', () => {
    let state = outcomes(pool('a', 'b'), 'a', 'F', T0, p)
    let back = of(state, 'a').ejectedUntil
    state = outcomes(state, 'a', 'SSF', back + 20_000, p) // settled, then ejected again
    back = of(state, 'a').ejectedUntil
    expect(weightFactor(of(state, 'a'), back + 5_000, p)).toBeCloseTo(0.5)
  })

  it('gives an upstream that was never out its full weight at once', () => {
    expect(weightFactor(freshUpstream(), T0, p)).toBe(1)
    expect(weightFactor(of(outcomes(pool('a', 'b'), 'a', 'SS', T0, p), 'a'), T0, p)).toBe(1)
  })

  it('is off with slowStartMs 0', () => {
    const q = { ...p, slowStartMs: 0 }
    const state = probes(probes(pool('a', 'b'), 'a', '-', T0, q), 'a', '+', T0 + 1, q)
    expect(weightFactor(of(state, 'a'), T0 + 1, q)).toBe(1)
  })
})

describe('nextRecovery', () => {
  const p = policy({ consecutiveFailures: 1, baseEjectionMs: 5_000, active: active({ unhealthyThreshold: 1 }) })

  it('is when the first ejected upstream is due back', () => {
    let state = outcomes(pool('a', 'b', 'c'), 'a', 'F', T0, p)
    state = outcomes(state, 'b', 'F', T0 + 2_000, p)
    expect(nextRecovery(state, T0 + 3_000)).toBe(T0 + 5_000)
    expect(nextRecovery(state, T0 + 5_000)).toBe(T0 + 7_000)
    expect(nextRecovery(state, T0 + 7_000)).toBeUndefined()
  })

  it('is undefined when the only unavailable upstream is down by probes (it comes back only when they pass)', () => {
    const state = probes(pool('a', 'b'), 'a', '-', T0, p)
    expect(nextRecovery(state, T0)).toBeUndefined()
  })
})

describe('reconcile', () => {
  it('keeps what it knows of upstreams still listed, starts new ones healthy and drops removed ones', () => {
    const p = policy({ consecutiveFailures: 1 })
    const before = outcomes(outcomes(pool('a', 'b'), 'a', 'F', T0, p), 'b', 'S', T0, p)
    const after = reconcile(before, ['b', 'c'])
    expect(Object.keys(after).sort()).toEqual(['b', 'c'])
    expect(after.b).toBe(before.b)
    expect(after.c).toEqual(freshUpstream())
    // a comes back as new: its old ejection is forgotten.
    expect(isAvailable(of(reconcile(after, ['a', 'b', 'c']), 'a'), T0)).toBe(true)
  })
})

describe('latency', () => {
  it('takes the first measurement as it is, then moves 30% of the way to each new one', () => {
    const p = policy()
    let state = applyOutcomes(pool('a', 'b'), 'a', singleOutcome(true, 100), T0, p)
    expect(of(state, 'a').latencyEwmaMs).toBe(100)
    state = applyOutcomes(state, 'a', singleOutcome(true, 200), T0, p)
    expect(of(state, 'a').latencyEwmaMs).toBeCloseTo(130)
    state = applyOutcomes(state, 'a', singleOutcome(false, undefined), T0, p) // a failure has no latency
    expect(of(state, 'a').latencyEwmaMs).toBeCloseTo(130)
  })

  it('folds a batch in by its average latency', () => {
    const batch = mergeBatches(singleOutcome(true, 100), singleOutcome(true, 300))
    const state = applyOutcomes(pool('a', 'b'), 'a', batch, T0, policy())
    expect(of(state, 'a').latencyEwmaMs).toBe(200)
  })
})
