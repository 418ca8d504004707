// This isolate's view of one pool's health, so the request path never waits on the Durable
// Object: the last snapshot from the pool's object (refreshed in the background once older than
// SNAPSHOT_TTL_MS), this isolate's own outcomes folded in at once with the same pure rules, and
// the outcomes not yet reported, sent in batches through waitUntil.
import { foldOutcomes, mayEject, mergeBatches, reconcile, singleOutcome, isAvailable, weightFactor, type OutcomeBatch, type PoolHealth } from './state.ts'
import type { HealthView, PoolSpec } from './view.ts'

/** How old a snapshot may get before a request triggers a background refresh. */
export const SNAPSHOT_TTL_MS = 2_000
/** Report outcomes at least this often while traffic flows, and at once after a failure... */
const FLUSH_INTERVAL_MS = 1_000
/** ...but not more often than this, so a failing upstream does not flood the object. */
const MIN_FAILURE_FLUSH_MS = 100

export interface HealthStub {
  snapshot(spec: PoolSpec): Promise<HealthView>
  report(spec: PoolSpec, batches: Record<string, OutcomeBatch>): Promise<HealthView>
}

export interface UpstreamState {
  available: boolean
  weightFactor: number
  latencyEwmaMs: number | undefined
}

export class PoolHealthTracker {
  readonly spec: PoolSpec
  #remote: HealthView | undefined
  #fetchedAt = 0
  #busy = false
  #local: PoolHealth
  #pending = new Map<string, OutcomeBatch>()
  #pendingFailure = false
  #lastFlush = 0
  /** When this isolate itself ejected an upstream, while that ejection lasts (see #endRecovered). */
  readonly #ejectedAt = new Map<string, number>()
  readonly inFlight = new Map<string, number>()
  #version = 0

  constructor(spec: PoolSpec) {
    this.spec = spec
    this.#local = reconcile({}, spec.upstreams.map((u) => u.key))
  }

  /** Availability, slow-start factor and latency per upstream key: the remote view and the local one must both allow it. */
  state(key: string, now: number): UpstreamState {
    const local = this.#local[key]
    const remote = this.#remote?.upstreams[key]
    const localOk = local ? isAvailable(local, now) : true
    const remoteOk = remote ? remote.available || remote.ejectedUntil <= now : true
    return {
      available: localOk && remoteOk && (remote?.probeHealthy ?? true),
      weightFactor: Math.min(remote?.weightFactor ?? 1, local ? weightFactor(local, now, this.spec.policy) : 1),
      latencyEwmaMs: remote?.latencyEwmaMs ?? local?.latencyEwmaMs,
    }
  }

  /** Changes whenever an upstream's availability or weight may have changed other than by time passing. */
  get version(): number {
    return this.#version
  }

  /** The latency EWMA the balancer sees (the object's when it has one, else this isolate's). */
  latencyOf(key: string): number | undefined {
    return this.#remote?.upstreams[key]?.latencyEwmaMs ?? this.#local[key]?.latencyEwmaMs
  }

  /**
   * When `key`'s availability or weight will next change by time alone: an ejection running out,
   * or `now` while its weight grows in slow start; Infinity when nothing is pending.
   */
  changesAt(key: string, now: number): number {
    const local = this.#local[key]
    if (local && weightFactor(local, now, this.spec.policy) < 1) return now
    let at = Number.POSITIVE_INFINITY
    if (local && local.ejectedUntil > now) at = local.ejectedUntil
    const remote = this.#remote?.upstreams[key]
    if (remote && !remote.available && remote.ejectedUntil > now) at = Math.min(at, remote.ejectedUntil)
    return at
  }

  /** When the first unavailable upstream is due back, for Retry-After. */
  nextRecoveryAt(now: number): number | undefined {
    let soonest = this.#remote?.nextRecoveryAt
    for (const u of Object.values(this.#local)) if (u.ejectedUntil > now && (soonest === undefined || u.ejectedUntil < soonest)) soonest = u.ejectedUntil
    return soonest
  }

  /** O(1) per outcome: only an ejection looks at the rest of the pool. */
  record(key: string, ok: boolean, latencyMs: number | undefined, now: number, failure?: string): void {
    const batch = singleOutcome(ok, latencyMs, failure)
    const was = this.#local[key]
    if (was) {
      const folded = foldOutcomes(was, batch, now, this.spec.policy, () => mayEject(this.#withRemoteEjections(key), key, now, this.spec.policy))
      if (isAvailable(was, now) && !isAvailable(folded, now)) {
        this.#ejectedAt.set(key, now)
        this.#version++
      }
      this.#local[key] = folded // #local is this tracker's own (debug() hands out a copy)
    }
    const prior = this.#pending.get(key)
    this.#pending.set(key, prior ? mergeBatches(prior, batch) : batch)
    if (!ok) this.#pendingFailure = true
  }

  /**
   * The local state as the ejection cap must see it: the other upstreams ejected here or by the
   * object (reported by other isolates), so the two views together never exceed maxEjectedPercent.
   */
  #withRemoteEjections(key: string): PoolHealth {
    const remote = this.#remote?.upstreams
    if (!remote) return this.#local
    const seen: PoolHealth = {}
    for (const [k, u] of Object.entries(this.#local)) {
      const until = remote[k]?.ejectedUntil ?? 0
      seen[k] = k !== key && until > u.ejectedUntil ? { ...u, ejectedUntil: until } : u
    }
    return seen
  }

  /** Work to hand to waitUntil: a snapshot refresh or a report, when due; undefined when not. */
  maintain(stub: () => HealthStub, now: number): Promise<void> | undefined {
    if (this.#busy) return undefined
    const flushDue = this.#pending.size > 0 && (now - this.#lastFlush >= FLUSH_INTERVAL_MS || (this.#pendingFailure && now - this.#lastFlush >= MIN_FAILURE_FLUSH_MS))
    const refreshDue = now - this.#fetchedAt >= SNAPSHOT_TTL_MS
    if (!flushDue && !refreshDue) return undefined
    this.#busy = true
    const batches = Object.fromEntries(this.#pending)
    if (flushDue) {
      this.#pending = new Map()
      this.#pendingFailure = false
      this.#lastFlush = now
    }
    const call = flushDue ? stub().report(this.spec, batches) : stub().snapshot(this.spec)
    return call
      .then((view) => {
        this.#remote = view
        this.#version++
        this.#endRecovered(view, Date.now())
        this.#fetchedAt = Date.now()
      })
      .catch((err: unknown) => {
        // The object is unreachable: keep serving on the local view, try again after the TTL.
        this.#fetchedAt = Date.now()
        console.error(JSON.stringify({ level: 'warn', message: 'health object unreachable', pool: this.spec.name, error: String(err) }))
      })
      .finally(() => {
        this.#busy = false
      })
  }

  /**
   * An upstream this isolate ejected that the object has since seen come back (active probes
   * passing again, state.ts applyProbe) is back here too; otherwise the local ejection would keep
   * it out until it ran out, however soon the probes saw it answer.
   */
  #endRecovered(view: HealthView, now: number): void {
    for (const [key, ejectedAt] of this.#ejectedAt) {
      const local = this.#local[key]
      const remote = view.upstreams[key]
      if (!local || local.ejectedUntil <= now) this.#ejectedAt.delete(key)
      else if (remote?.available && remote.availableSince > ejectedAt) {
        this.#local = { ...this.#local, [key]: { ...local, ejectedUntil: now } }
        this.#version++
        this.#ejectedAt.delete(key)
      }
    }
  }

  /** For the admin API: the last remote view, this isolate's local state, and when it was fetched. */
  debug(): { remote: HealthView | undefined; fetchedAt: number; local: PoolHealth } {
    return { remote: this.#remote, fetchedAt: this.#fetchedAt, local: { ...this.#local } }
  }
}
