// One Durable Object per pool (named "pool:<name>") holds its upstreams' health: it folds the
// outcomes isolates report, runs active probes from its alarm, and hands out snapshots. The state
// logic is pure (state.ts); this class only stores, schedules and fetches.
import { DurableObject } from 'cloudflare:workers'
import { applyOutcomes, applyProbe, reconcile, type OutcomeBatch, type PoolHealth } from './state.ts'
import { probeUpstream } from './probe.ts'
import { viewOf, type HealthView, type PoolSpec } from './view.ts'

/** Stop probing a pool nobody has asked about for this long (its config was removed or renamed). */
const IDLE_STOP_MS = 15 * 60_000

interface Stored {
  spec: PoolSpec | undefined
  state: PoolHealth
  lastAskedAt: number
}

export class UpstreamHealth extends DurableObject<Record<string, unknown>> {
  #stored: Stored = { spec: undefined, state: {}, lastAskedAt: 0 }

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      this.#stored = (await ctx.storage.get<Stored>('health')) ?? this.#stored
    })
  }

  /** The pool's health now; also (re)configures the pool when its spec changed. */
  async snapshot(spec: PoolSpec): Promise<HealthView> {
    await this.#configure(spec)
    return viewOf(this.#stored.state, spec.policy, Date.now())
  }

  /** Fold outcomes one isolate saw (keyed by upstream key) and answer with the new health. */
  async report(spec: PoolSpec, batches: Record<string, OutcomeBatch>): Promise<HealthView> {
    await this.#configure(spec)
    const now = Date.now()
    let state = this.#stored.state
    for (const [key, batch] of Object.entries(batches)) state = applyOutcomes(state, key, batch, now, spec.policy)
    this.#stored.state = state
    await this.#save()
    return viewOf(state, spec.policy, now)
  }

  override async alarm(): Promise<void> {
    const { spec } = this.#stored
    if (!spec?.policy.active) return
    const now = Date.now()
    if (now - this.#stored.lastAskedAt > IDLE_STOP_MS) return // no isolate uses this pool any more
    const active = spec.policy.active
    const results = await Promise.all(spec.upstreams.map((u) => probeUpstream(u, active, this.env)))
    let state = this.#stored.state
    const done = Date.now()
    spec.upstreams.forEach((u, i) => {
      const r = results[i]
      if (r) state = applyProbe(state, u.key, r.ok, r.latencyMs, done, spec.policy, r.failure)
    })
    this.#stored.state = state
    await this.#save()
    await this.ctx.storage.setAlarm(done + active.intervalMs)
  }

  async #configure(spec: PoolSpec): Promise<void> {
    const now = Date.now()
    const changed = JSON.stringify(spec) !== JSON.stringify(this.#stored.spec)
    const idle = now - this.#stored.lastAskedAt > IDLE_STOP_MS
    this.#stored.lastAskedAt = now
    if (!changed && !idle) return
    this.#stored.spec = spec
    this.#stored.state = reconcile(this.#stored.state, spec.upstreams.map((u) => u.key))
    await this.#save()
    if (spec.policy.active) await this.ctx.storage.setAlarm(now + 10) // probe soon after (re)configuration
    else await this.ctx.storage.deleteAlarm()
  }

  async #save(): Promise<void> {
    await this.ctx.storage.put('health', this.#stored)
  }
}
