// Upstream health as pure state transitions: active probe results, passive outcomes reported by
// the proxy, ejection with exponential back-off, the cap on how much of a pool may be ejected, and
// slow start after recovery. The Durable Object (health-object.ts) holds the state and calls these;
// each isolate also folds its own outcomes with them for an immediate local view. Time comes in as
// `now` (ms since the epoch).

export interface ActiveCheck {
  path: string
  method: string
  intervalMs: number
  timeoutMs: number
  /** Inclusive status ranges counted healthy. */
  expectStatus: ReadonlyArray<readonly [number, number]>
  bodyContains: string | undefined
  healthyThreshold: number
  unhealthyThreshold: number
}

export interface HealthPolicy {
  active: ActiveCheck | undefined
  /** Consecutive failed requests that eject an upstream. */
  consecutiveFailures: number
  baseEjectionMs: number
  maxEjectionMs: number
  /** Never eject more than this share of the pool (0-100). */
  maxEjectedPercent: number
  /** Ramp a recovered upstream's weight from 10% to 100% over this time; 0: no slow start. */
  slowStartMs: number
}

export interface UpstreamHealth {
  /** False once active probes failed unhealthyThreshold times in a row. */
  probeHealthy: boolean
  probeStreak: number // > 0 successes in a row, < 0 failures in a row
  consecutiveFailures: number
  ejectedUntil: number
  /** Ejections so far: the back-off exponent. Reset after a long enough healthy run. */
  ejections: number
  /** When it last became available after being unavailable (slow start counts from here). */
  availableSince: number
  latencyEwmaMs: number | undefined
  requests: number
  failures: number
  lastFailure: string | undefined
}

export type PoolHealth = Record<string, UpstreamHealth>

/** One upstream's outcomes over a batch, in the order they happened. */
export interface OutcomeBatch {
  successes: number
  failures: number
  /** Failures after the batch's last success (all of them when there was no success). */
  trailingFailures: number
  latencySumMs: number
  latencyCount: number
  lastFailure?: string
}

const EWMA_ALPHA = 0.3
const SLOW_START_FLOOR = 0.1

export function freshUpstream(): UpstreamHealth {
  return {
    probeHealthy: true,
    probeStreak: 0,
    consecutiveFailures: 0,
    ejectedUntil: 0,
    ejections: 0,
    availableSince: 0,
    latencyEwmaMs: undefined,
    requests: 0,
    failures: 0,
    lastFailure: undefined,
  }
}

/** The pool's state for exactly these upstream keys: new ones start healthy, removed ones go. */
export function reconcile(state: PoolHealth, keys: readonly string[]): PoolHealth {
  const next: PoolHealth = {}
  for (const key of keys) next[key] = state[key] ?? freshUpstream()
  return next
}

export function isAvailable(u: UpstreamHealth, now: number): boolean {
  return u.probeHealthy && u.ejectedUntil <= now
}

/** Fold one active probe result. */
export function applyProbe(state: PoolHealth, key: string, ok: boolean, latencyMs: number | undefined, now: number, policy: HealthPolicy, failure?: string): PoolHealth {
  const u = state[key]
  const active = policy.active
  if (!u || !active) return state
  const wasAvailable = isAvailable(u, now)
  const streak = ok ? Math.max(u.probeStreak, 0) + 1 : Math.min(u.probeStreak, 0) - 1
  let probeHealthy = u.probeHealthy
  if (!probeHealthy && streak >= active.healthyThreshold) probeHealthy = true
  if (probeHealthy && -streak >= active.unhealthyThreshold) probeHealthy = false
  const next: UpstreamHealth = {
    ...u,
    probeStreak: streak,
    probeHealthy,
    // A probe that succeeds after recovery ends a passive ejection early: the probe has shown it
    // answers again. A failing probe does not shorten or lengthen an ejection.
    ejectedUntil: ok && probeHealthy && !u.probeHealthy ? Math.min(u.ejectedUntil, now) : u.ejectedUntil,
    latencyEwmaMs: ok && latencyMs !== undefined ? ewma(u.latencyEwmaMs, latencyMs) : u.latencyEwmaMs,
    lastFailure: ok ? u.lastFailure : (failure ?? 'probe failed'),
  }
  if (!wasAvailable && isAvailable(next, now)) next.availableSince = now
  return { ...state, [key]: next }
}

/** Fold a batch of passive outcomes for one upstream (from one isolate). */
export function applyOutcomes(state: PoolHealth, key: string, batch: OutcomeBatch, now: number, policy: HealthPolicy): PoolHealth {
  const u = state[key]
  if (!u) return state
  return { ...state, [key]: foldOutcomes(u, batch, now, policy, () => mayEject(state, key, now, policy)) }
}

/**
 * One upstream's state after a batch of its outcomes. `mayEjectNow` is asked only when the batch
 * would eject it (it looks at the whole pool), so the common case touches this upstream alone.
 */
export function foldOutcomes(u: UpstreamHealth, batch: OutcomeBatch, now: number, policy: HealthPolicy, mayEjectNow: () => boolean): UpstreamHealth {
  const wasAvailable = isAvailable(u, now)
  let next: UpstreamHealth = {
    ...u,
    requests: u.requests + batch.successes + batch.failures,
    failures: u.failures + batch.failures,
    consecutiveFailures: batch.successes > 0 ? batch.trailingFailures : u.consecutiveFailures + batch.trailingFailures,
    latencyEwmaMs: batch.latencyCount > 0 ? ewma(u.latencyEwmaMs, batch.latencySumMs / batch.latencyCount) : u.latencyEwmaMs,
    lastFailure: batch.lastFailure ?? u.lastFailure,
  }
  // A long healthy run forgives earlier ejections, so back-off does not grow forever.
  if (batch.successes > 0 && next.ejections > 0 && wasAvailable && now - backSince(u) > policy.maxEjectionMs) next.ejections = 0
  if (wasAvailable && next.consecutiveFailures >= policy.consecutiveFailures && mayEjectNow()) {
    const duration = Math.min(policy.baseEjectionMs * 2 ** next.ejections, policy.maxEjectionMs)
    next = { ...next, ejectedUntil: now + duration, ejections: next.ejections + 1, consecutiveFailures: 0 }
  }
  return next
}

/** Ejecting `key` must keep the ejected share of the pool within maxEjectedPercent. */
export function mayEject(state: PoolHealth, key: string, now: number, policy: HealthPolicy): boolean {
  const keys = Object.keys(state)
  const ejected = keys.filter((k) => k !== key && (state[k] as UpstreamHealth).ejectedUntil > now).length
  return ((ejected + 1) / keys.length) * 100 <= policy.maxEjectedPercent
}

/** Slow start: the share of its weight an available upstream gets now (1 when settled). */
export function weightFactor(u: UpstreamHealth, now: number, policy: HealthPolicy): number {
  const since = backSince(u)
  if (policy.slowStartMs <= 0 || since === 0) return 1
  const elapsed = now - since
  if (elapsed >= policy.slowStartMs) return 1
  return Math.max(SLOW_START_FLOOR, elapsed / policy.slowStartMs)
}

/** When it last came back: a passive ejection ends by time alone, without a transition that sets availableSince. */
function backSince(u: UpstreamHealth): number {
  return Math.max(u.availableSince, u.ejectedUntil)
}

/** When the next unavailable upstream comes back, for Retry-After; undefined if none will by itself. */
export function nextRecovery(state: PoolHealth, now: number): number | undefined {
  let soonest: number | undefined
  for (const u of Object.values(state)) {
    if (u.probeHealthy && u.ejectedUntil > now && (soonest === undefined || u.ejectedUntil < soonest)) soonest = u.ejectedUntil
  }
  return soonest
}

function ewma(prev: number | undefined, sample: number): number {
  return prev === undefined ? sample : prev + EWMA_ALPHA * (sample - prev)
}

/** Merge a batch into another (both from the same isolate, `later` after `earlier`). */
export function mergeBatches(earlier: OutcomeBatch, later: OutcomeBatch): OutcomeBatch {
  return {
    successes: earlier.successes + later.successes,
    failures: earlier.failures + later.failures,
    trailingFailures: later.successes > 0 ? later.trailingFailures : earlier.trailingFailures + later.trailingFailures,
    latencySumMs: earlier.latencySumMs + later.latencySumMs,
    latencyCount: earlier.latencyCount + later.latencyCount,
    lastFailure: later.lastFailure ?? earlier.lastFailure,
  }
}

export function singleOutcome(ok: boolean, latencyMs: number | undefined, failure?: string): OutcomeBatch {
  return {
    successes: ok ? 1 : 0,
    failures: ok ? 0 : 1,
    trailingFailures: ok ? 0 : 1,
    latencySumMs: latencyMs ?? 0,
    latencyCount: latencyMs === undefined ? 0 : 1,
    lastFailure: ok ? undefined : failure,
  }
}
