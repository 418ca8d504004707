// What crosses between isolates and the health Durable Object: the pool's spec (so the object can
// probe without reading config) and the health view it answers with. Pure.
import { isAvailable, nextRecovery, weightFactor, type HealthPolicy, type PoolHealth } from './state.ts'

export type UpstreamSpec =
  | { key: string; kind: 'url'; url: string; mtlsBinding?: string }
  | { key: string; kind: 'service'; binding: string }

export interface PoolSpec {
  name: string
  upstreams: UpstreamSpec[]
  policy: HealthPolicy
}

export interface UpstreamHealthView {
  available: boolean
  weightFactor: number
  latencyEwmaMs: number | undefined
  ejectedUntil: number
  /** When active probes last brought it back after it was unavailable; 0: never. */
  availableSince: number
  probeHealthy: boolean
  consecutiveFailures: number
  requests: number
  failures: number
  lastFailure: string | undefined
}

export interface HealthView {
  at: number
  upstreams: Record<string, UpstreamHealthView>
  /** When the first unavailable upstream is due back. */
  nextRecoveryAt: number | undefined
}

export function viewOf(state: PoolHealth, policy: HealthPolicy, now: number): HealthView {
  const upstreams: Record<string, UpstreamHealthView> = {}
  for (const [key, u] of Object.entries(state)) {
    upstreams[key] = {
      available: isAvailable(u, now),
      weightFactor: weightFactor(u, now, policy),
      latencyEwmaMs: u.latencyEwmaMs,
      ejectedUntil: u.ejectedUntil,
      availableSince: u.availableSince,
      probeHealthy: u.probeHealthy,
      consecutiveFailures: u.consecutiveFailures,
      requests: u.requests,
      failures: u.failures,
      lastFailure: u.lastFailure,
    }
  }
  return { at: now, upstreams, nextRecoveryAt: nextRecovery(state, now) }
}
