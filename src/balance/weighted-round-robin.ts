// Smooth weighted round robin (the algorithm nginx uses for `upstream` weights): over any run of
// sum(weights) picks each upstream gets exactly its weight's share, spread out rather than bunched.
// Pure: the caller owns the per-isolate `current` counters.

export interface Weighted {
  weight: number
}

/** Pick an index; `current` (one number per item, starting at 0) is updated in place. */
export function pickSmoothWeighted(items: readonly Weighted[], current: number[]): number {
  let total = 0
  let best = -1
  for (let i = 0; i < items.length; i++) {
    const weight = items[i]?.weight ?? 0
    current[i] = (current[i] ?? 0) + weight
    total += weight
    if (best === -1 || (current[i] as number) > (current[best] as number)) best = i
  }
  if (best !== -1) current[best] = (current[best] as number) - total
  return best
}
