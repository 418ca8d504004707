// The one small interface every balancing algorithm implements, as Caddy's Selector and Envoy's
// load-balancer extensions do. A Picker only chooses: health, ejection and slow start are decided
// elsewhere (src/health) and reach it as the candidate list and each candidate's effective weight.

/** A read-only view of one upstream at the moment of a pick. */
export interface UpstreamView {
  /** Position in the pool's configured list. */
  index: number
  /** Stable identity (URL or service name): hashing uses it, so it survives reordering. */
  key: string
  /** Configured weight times the slow-start factor (0 < weight). */
  weight: number
  /** Requests this isolate has in flight to the upstream. */
  inFlight: number
  /** Latency EWMA in ms, shared through the health state; undefined until measured. */
  latencyEwmaMs: number | undefined
}

/** What hashing policies hash on, taken from the request by the caller. */
export interface PickKey {
  /** Consistent-hash key (URL, header or cookie value, per config), or the client IP for ip-hash. */
  hash?: string
}

export interface Picker {
  /** One of `candidates` (never empty when called), or undefined only if it is empty. */
  pick(candidates: readonly UpstreamView[], key: PickKey, random: () => number): UpstreamView | undefined
}
