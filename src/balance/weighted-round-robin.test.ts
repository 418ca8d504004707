import { describe, expect, it } from 'vitest'
import { pickSmoothWeighted } from './weighted-round-robin.ts'

const NAMES = 'abcdefghij'

/** `n` picks from fresh counters, as letters. */
function picks(weights: number[], n: number): string {
  const items = weights.map((weight) => ({ weight }))
  const current = weights.map(() => 0)
  let out = ''
  for (let i = 0; i < n; i++) out += NAMES[pickSmoothWeighted(items, current)]
  return out
}

const count = (s: string, c: string) => [...s].filter((x) => x === c).length

describe('pickSmoothWeighted', () => {
  it('spreads weights 5, 1, 1 as nginx does: a a b a c a a', () => {
    expect(picks([5, 1, 1], 7)).toBe('aabacaa')
    expect(picks([5, 1, 1], 14)).toBe('aabacaa'.repeat(2))
  })

  it.each([
    [[1, 1, 1]],
    [[3, 1]],
    [[5, 1, 1]],
    [[2, 3, 5]],
    [[1000, 1]],
    [[7, 7, 1, 3]],
  ])('gives each upstream exactly its weight in every run of sum(weights) picks: %j', (weights) => {
    const total = weights.reduce((a, b) => a + b, 0)
    const seq = picks(weights, total * 3)
    for (let run = 0; run < 3; run++) {
      const window = seq.slice(run * total, (run + 1) * total)
      weights.forEach((w, i) => expect(count(window, NAMES[i] as string), `${window} upstream ${NAMES[i]}`).toBe(w))
    }
  })

  it('alternates equal weights', () => {
    expect(picks([1, 1, 1], 6)).toBe('abcabc')
  })

  it('interleaves rather than bunching: weights 3, 2 never give the same upstream three times running', () => {
    expect(picks([3, 2], 5)).toBe('ababa')
  })

  it('answers -1 for an empty list', () => {
    expect(pickSmoothWeighted([], [])).toBe(-1)
  })
})
