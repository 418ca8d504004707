// Round robin: each candidate in turn, ignoring weights. Per isolate: the position is this
// isolate's own, so globally it is fair on average, not request by request. The turns are those of
// smooth weighted round robin with every weight 1: its scores are kept by upstream key, so a retry
// picking among fewer candidates does not shift the turns (an index into the candidate list did,
// and gave a failing first upstream the first try of every request).
import type { Picker, UpstreamView } from '../pick.ts'
import { SmoothWeighted } from './smooth-weighted.ts'

export class RoundRobin implements Picker {
  readonly #turns = new SmoothWeighted()

  pick(candidates: readonly UpstreamView[]): UpstreamView | undefined {
    const even = candidates.map((c) => ({ ...c, weight: 1 }))
    const chosen = this.#turns.pick(even)
    return chosen && candidates[even.indexOf(chosen)]
  }
}
