// Which upstream of a pool serves a request. The foundation balances with smooth weighted round
// robin per isolate; the counters live in this isolate only (see README, "Load balancing").
import type { CompiledPool, Upstream } from '../config/index.ts'
import { pickSmoothWeighted } from './weighted-round-robin.ts'

export { pickSmoothWeighted } from './weighted-round-robin.ts'

const counters = new WeakMap<CompiledPool, number[]>()

export function pickUpstream(pool: CompiledPool): Upstream | undefined {
  if (pool.upstreams.length <= 1) return pool.upstreams[0]
  let current = counters.get(pool)
  if (!current) counters.set(pool, (current = pool.upstreams.map(() => 0)))
  return pool.upstreams[pickSmoothWeighted(pool.upstreams, current)]
}
