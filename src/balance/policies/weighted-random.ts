// Weighted random: each pick independent, probability proportional to weight. Needs no state, so
// every isolate everywhere gives the same distribution.
import type { Picker, UpstreamView } from '../pick.ts'

export class WeightedRandom implements Picker {
  pick(candidates: readonly UpstreamView[], _key: unknown, random: () => number): UpstreamView | undefined {
    return weightedChoice(candidates, random)
  }
}

export function weightedChoice(candidates: readonly UpstreamView[], random: () => number): UpstreamView | undefined {
  let total = 0
  for (const c of candidates) total += c.weight
  let r = random() * total
  for (const c of candidates) {
    r -= c.weight
    if (r < 0) return c
  }
  return candidates[candidates.length - 1]
}
