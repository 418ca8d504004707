// Consistent hashing by weighted rendezvous (highest random weight) hashing: each candidate scores
// -weight / ln(h(key, upstream)) and the highest wins. When an upstream joins or leaves only the
// keys it wins or held move (about 1/N of them), with no ring or table to rebuild, and the choice
// is the same in every isolate and colo. O(N) per pick: fine for pools of hundreds.
// Used for "consistent-hash" (URL, header or cookie key) and "ip-hash" (the client address).
import { unitHash } from '../hash.ts'
import type { PickKey, Picker, UpstreamView } from '../pick.ts'
import { weightedChoice } from './weighted-random.ts'

export class ConsistentHash implements Picker {
  pick(candidates: readonly UpstreamView[], key: PickKey, random: () => number): UpstreamView | undefined {
    // No key (e.g. the header is absent): spread by weight rather than piling onto one upstream.
    if (key.hash === undefined) return weightedChoice(candidates, random)
    let best: UpstreamView | undefined
    let bestScore = -Infinity
    for (const c of candidates) {
      const score = -c.weight / Math.log(unitHash(`${key.hash}\u0000${c.key}`))
      if (score > bestScore) {
        best = c
        bestScore = score
      }
    }
    return best
  }
}
