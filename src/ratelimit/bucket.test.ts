import { describe, expect, it } from 'vitest'
import { giveBack, initialState, take, type Algorithm, type BucketState, type Limit, type Verdict } from './bucket.ts'

const T0 = 1_700_000_000_000
const ALGORITHMS: Algorithm[] = ['token-bucket', 'gcra', 'sliding-window']

/** 10 requests per 10 s: one token (one GCRA interval) per second. */
const limitOf = (algorithm: Algorithm, over: Partial<Limit> = {}): Limit => ({ algorithm, limit: 10, periodMs: 10_000, burst: 10, ...over })

/** A counter driven one request at a time, as the object drives it. */
class Counter {
  state: BucketState | undefined
  readonly limit: Limit
  constructor(limit: Limit) {
    this.limit = limit
  }
  take(now: number, want = 1, partial = false): Verdict {
    const [next, verdict] = take(this.limit, this.state, want, now, partial)
    this.state = next
    return verdict
  }
  /** Take one at a time until refused; how many were granted. */
  drain(now: number): number {
    let n = 0
    while (this.take(now).granted === 1) n++
    return n
  }
}

describe('a burst from a fresh state', () => {
  it.each(ALGORITHMS)('%s admits the limit at once, then refuses', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    const first = c.take(T0)
    expect(first).toEqual({ granted: 1, remaining: 9, resetSeconds: expect.any(Number), retryAfterSeconds: 0 })
    expect(c.drain(T0)).toBe(9)
    expect(c.take(T0)).toMatchObject({ granted: 0, remaining: 0 })
  })

  it.each<[Algorithm, number]>([
    ['token-bucket', 3],
    ['gcra', 3],
    // A window counter has no burst of its own: the limit is what fits in a period.
    ['sliding-window', 10],
  ])('%s with burst 3 of a limit of 10 admits %i at once', (algorithm, admitted) => {
    const c = new Counter(limitOf(algorithm, { burst: 3 }))
    expect(c.drain(T0)).toBe(admitted)
  })

  it.each<[Algorithm, number]>([
    ['token-bucket', 25],
    ['gcra', 25],
    ['sliding-window', 10],
  ])('%s with a burst of 25 above a limit of 10 admits %i at once', (algorithm, admitted) => {
    const c = new Counter(limitOf(algorithm, { burst: 25 }))
    expect(c.drain(T0)).toBe(admitted)
  })
})

describe('refill timing', () => {
  it.each<[Algorithm]>([['token-bucket'], ['gcra']])('%s gives back one request per limit/period, not sooner', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    expect(c.drain(T0)).toBe(10)
    expect(c.take(T0 + 999).granted).toBe(0)
    expect(c.take(T0 + 1_000).granted).toBe(1)
    expect(c.take(T0 + 1_000).granted).toBe(0)
    // 3.5 s later: three more, the half second carried over.
    expect(c.drain(T0 + 4_500)).toBe(3)
    expect(c.take(T0 + 5_000).granted).toBe(1)
  })

  it.each<[Algorithm]>([['token-bucket'], ['gcra']])('%s refills to the burst and no further after a quiet spell', (algorithm) => {
    const c = new Counter(limitOf(algorithm, { burst: 4 }))
    expect(c.drain(T0)).toBe(4)
    expect(c.drain(T0 + 3_600_000)).toBe(4)
  })

  it('sliding-window weighs the previous window by how much of it still overlaps', () => {
    const c = new Counter(limitOf('sliding-window'))
    expect(c.drain(T0)).toBe(10)
    expect(c.take(T0 + 9_999).granted).toBe(0)
    // The next window starts with the previous 10 at full weight.
    expect(c.take(T0 + 10_000).granted).toBe(0)
    // 1 s in, the previous window weighs 9: one request fits.
    expect(c.take(T0 + 10_999).granted).toBe(0)
    expect(c.take(T0 + 11_000).granted).toBe(1)
    expect(c.take(T0 + 11_000).granted).toBe(0)
    // 5 s in: 10 × 0.5 + 1 = 6 used, 4 fit.
    expect(c.drain(T0 + 15_000)).toBe(4)
  })

  it('sliding-window forgets a window two periods old', () => {
    const c = new Counter(limitOf('sliding-window'))
    expect(c.drain(T0)).toBe(10)
    expect(c.drain(T0 + 20_000)).toBe(10)
  })
})

describe('Retry-After: after waiting it out one more request is allowed, and not a second before', () => {
  // Refusals at various points of a counter's life, for each algorithm.
  const histories: Array<[string, Array<[number, number]>]> = [
    ['drained at once', [[0, 10]]],
    ['drained, then one refill taken', [[0, 10], [1_000, 1]]],
    ['drained twice across a window boundary', [[0, 10], [12_500, 10]]],
    ['a trickle then drained', [[0, 3], [4_000, 5], [9_900, 10]]],
    ['drained late in a window', [[9_000, 10], [10_500, 10]]],
    ['a window half used, the next drained', [[0, 5], [10_000, 10]]],
  ]
  for (const algorithm of ALGORITHMS) {
    it.each(histories)(`${algorithm}: %s`, (_name, steps) => {
      const c = new Counter(limitOf(algorithm))
      let at = T0
      for (const [offset, n] of steps) {
        at = T0 + offset
        for (let i = 0; i < n; i++) c.take(at)
      }
      const refused = c.take(at)
      expect(refused.granted).toBe(0)
      const retryMs = refused.retryAfterSeconds * 1000
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1)
      const [, late] = take(c.limit, c.state, 1, at + retryMs)
      expect(late.granted).toBe(1)
      if (retryMs > 1_000) expect(take(c.limit, c.state, 1, at + retryMs - 1_000)[1].granted).toBe(0)
    })
  }
})

describe('RateLimit reset: after resetSeconds the whole burst is available again', () => {
  it.each<[Algorithm, number]>([
    // One token per second: all 10 are back in 10 s.
    ['token-bucket', 10],
    ['gcra', 10],
    // The current window must end and the next one pass before the count weighs nothing.
    ['sliding-window', 20],
  ])('%s drained at once resets in %i s', (algorithm, seconds) => {
    const c = new Counter(limitOf(algorithm))
    c.drain(T0)
    const refused = c.take(T0)
    expect(refused.resetSeconds).toBe(seconds)
    const [, whole] = take(c.limit, c.state, 10, T0 + seconds * 1000)
    expect(whole.granted).toBe(10)
  })

  it.each(ALGORITHMS)('%s: a fresh counter reports the whole limit remaining', (algorithm) => {
    const [, v] = take(limitOf(algorithm), undefined, 0, T0)
    expect(v).toMatchObject({ granted: 0, remaining: 10 })
  })

  it('token bucket: reset counts only the tokens missing', () => {
    const c = new Counter(limitOf('token-bucket'))
    for (let i = 0; i < 4; i++) c.take(T0)
    expect(c.take(T0)).toMatchObject({ granted: 1, remaining: 5, resetSeconds: 5 })
  })

  it('GCRA: reset is how far the theoretical arrival time runs ahead', () => {
    const c = new Counter(limitOf('gcra'))
    for (let i = 0; i < 4; i++) c.take(T0)
    expect(c.take(T0)).toMatchObject({ granted: 1, remaining: 5, resetSeconds: 5 })
  })
})

describe('several tokens at once: all or nothing, or partial', () => {
  it.each(ALGORITHMS)('%s all-or-nothing grants nothing and keeps the state when the tokens are not all there', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    expect(c.take(T0, 7).granted).toBe(7)
    const before = structuredClone(c.state)
    expect(c.take(T0, 5)).toMatchObject({ granted: 0, remaining: 3 })
    expect(c.state).toEqual(before)
    expect(c.take(T0, 3)).toMatchObject({ granted: 3, remaining: 0 })
  })

  it.each(ALGORITHMS)('%s partial grants what there is', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    expect(c.take(T0, 7, true).granted).toBe(7)
    expect(c.take(T0, 5, true)).toMatchObject({ granted: 3, remaining: 0 })
    expect(c.take(T0, 5, true)).toMatchObject({ granted: 0, remaining: 0 })
    expect(c.take(T0, 5, true).retryAfterSeconds).toBeGreaterThanOrEqual(1)
  })

  it.each(ALGORITHMS)('%s: want 0 reads the state without spending', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    c.take(T0, 4)
    expect(c.take(T0, 0)).toMatchObject({ granted: 0, remaining: 6, retryAfterSeconds: 0 })
    expect(c.take(T0, 0)).toMatchObject({ granted: 0, remaining: 6 })
    expect(c.drain(T0)).toBe(6)
  })

  it.each(ALGORITHMS)('%s never grants more than the burst in one take', (algorithm) => {
    expect(new Counter(limitOf(algorithm)).take(T0, 11).granted).toBe(0)
    expect(new Counter(limitOf(algorithm)).take(T0, 11, true).granted).toBe(10)
  })
})

describe('giveBack: a lease returns what it did not spend', () => {
  it.each(ALGORITHMS)('%s: the tokens given back can be taken again', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    expect(c.take(T0, 6).granted).toBe(6)
    c.state = giveBack(c.limit, c.state, 4, T0)
    expect(c.drain(T0)).toBe(8)
  })

  it.each(ALGORITHMS)('%s: giving back more than was taken does not raise the counter past full', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    c.take(T0, 2)
    c.state = giveBack(c.limit, c.state, 50, T0)
    expect(c.drain(T0)).toBe(10)
  })

  it.each(ALGORITHMS)('%s: giving back 0 or to no state changes nothing', (algorithm) => {
    const c = new Counter(limitOf(algorithm))
    c.take(T0, 3)
    const before = structuredClone(c.state)
    expect(giveBack(c.limit, c.state, 0, T0)).toEqual(before)
    expect(giveBack(c.limit, undefined, 5, T0)).toEqual(initialState(c.limit, T0))
  })

  it('token bucket: the refill since the take is kept, up to the burst', () => {
    const c = new Counter(limitOf('token-bucket'))
    c.take(T0, 8)
    // 2 s later: 2 + 2 refilled + 3 given back.
    c.state = giveBack(c.limit, c.state, 3, T0 + 2_000)
    expect(c.drain(T0 + 2_000)).toBe(7)
  })

  it('GCRA: the theoretical arrival time does not move before now', () => {
    const c = new Counter(limitOf('gcra'))
    c.take(T0, 2)
    c.state = giveBack(c.limit, c.state, 2, T0 + 60_000)
    expect(c.state).toEqual({ kind: 'gcra', tat: T0 + 60_000 })
  })
})

describe('a rule whose algorithm changed', () => {
  it.each<[Algorithm, Algorithm]>([
    ['token-bucket', 'gcra'],
    ['gcra', 'sliding-window'],
    ['sliding-window', 'token-bucket'],
  ])('a stored %s state is started afresh as %s', (from, to) => {
    const old = new Counter(limitOf(from))
    old.drain(T0)
    const c = new Counter(limitOf(to))
    c.state = old.state
    expect(c.take(T0)).toMatchObject({ granted: 1, remaining: 9 })
    expect(c.state?.kind).toBe(to)
  })
})
