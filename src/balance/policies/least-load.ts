// Load-aware policies. Least connections: fewest in-flight requests relative to weight. Least
// time: lowest latency EWMA times (in-flight + 1), relative to weight (nginx Plus `least_time`,
// Envoy's least-request with an active-request bias). Power of two choices: two weighted-random
// candidates, the less loaded wins, which avoids the herd that "always the least" causes when many
// isolates read the same numbers. Ties break at random. In-flight counts are this isolate's.
import type { Picker, UpstreamView } from '../pick.ts'
import { weightedChoice } from './weighted-random.ts'

type Cost = (u: UpstreamView) => number

const connections: Cost = (u) => (u.inFlight + 1) / u.weight
/** An unmeasured upstream counts as fast, so it gets traffic and a measurement. */
const time: Cost = (u) => ((u.latencyEwmaMs ?? 0) + 1) * (u.inFlight + 1) / u.weight

function lowest(candidates: readonly UpstreamView[], cost: Cost, random: () => number): UpstreamView | undefined {
  let best: UpstreamView | undefined
  let bestCost = Infinity
  let ties = 0
  for (const c of candidates) {
    const v = cost(c)
    if (v < bestCost) {
      best = c
      bestCost = v
      ties = 1
    } else if (v === bestCost && random() * ++ties < 1) {
      best = c // reservoir sampling: each tied candidate equally likely
    }
  }
  return best
}

export class LeastConnections implements Picker {
  pick(candidates: readonly UpstreamView[], _key: unknown, random: () => number): UpstreamView | undefined {
    return lowest(candidates, connections, random)
  }
}

export class LeastTime implements Picker {
  pick(candidates: readonly UpstreamView[], _key: unknown, random: () => number): UpstreamView | undefined {
    return lowest(candidates, time, random)
  }
}

export class PowerOfTwoChoices implements Picker {
  pick(candidates: readonly UpstreamView[], _key: unknown, random: () => number): UpstreamView | undefined {
    if (candidates.length <= 2) return lowest(candidates, connections, random)
    const a = weightedChoice(candidates, random) as UpstreamView
    let b = weightedChoice(candidates, random) as UpstreamView
    for (let tries = 0; b === a && tries < 3; tries++) b = weightedChoice(candidates, random) as UpstreamView
    return connections(b) < connections(a) ? b : a
  }
}
