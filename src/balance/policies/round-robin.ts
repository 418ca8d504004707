// Round robin: each candidate in turn, ignoring weights. Per isolate: the position is this
// isolate's own, so globally it is fair on average, not request by request.
import type { Picker, UpstreamView } from '../pick.ts'

export class RoundRobin implements Picker {
  #next = 0

  pick(candidates: readonly UpstreamView[]): UpstreamView | undefined {
    if (candidates.length === 0) return undefined
    const chosen = candidates[this.#next % candidates.length]
    this.#next = (this.#next + 1) % 1_000_000_007
    return chosen
  }
}
