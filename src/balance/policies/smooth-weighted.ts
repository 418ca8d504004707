// Smooth weighted round robin (nginx's `upstream` algorithm): over any run of sum(weights) picks
// each candidate gets exactly its weight's share, interleaved rather than bunched. The running
// scores are kept by upstream key, so they survive a candidate leaving and coming back.
import type { Picker, UpstreamView } from '../pick.ts'
import { pickSmoothWeighted } from '../weighted-round-robin.ts'

export class SmoothWeighted implements Picker {
  readonly #current = new Map<string, number>()

  pick(candidates: readonly UpstreamView[]): UpstreamView | undefined {
    const scores = candidates.map((c) => this.#current.get(c.key) ?? 0)
    const i = pickSmoothWeighted(candidates, scores)
    candidates.forEach((c, j) => this.#current.set(c.key, scores[j] as number))
    return candidates[i]
  }
}
