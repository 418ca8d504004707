// One Durable Object (named "metrics:recent") holds the deployment's recent request metrics: the
// per-minute aggregates every isolate sends in batches (recorder.ts), added together, for the last
// RETENTION_MINUTES minutes. The status page and GET /_portico/metrics read it. Aggregation is
// pure (metrics.ts); this class only adds, prunes and stores, one storage key per minute.
import { DurableObject } from 'cloudflare:workers'
import { emptyMinute, mergeInto, minuteOf, MINUTE_MS, type MinuteAggregate } from './metrics.ts'
import { RETENTION_MINUTES } from './recorder.ts'

export const METRICS_BINDING = 'PORTICO_METRICS'
export const METRICS_OBJECT_NAME = 'metrics:recent'
/** A batch's minute this far ahead of the object's clock is refused (an isolate's clock is off). */
const FUTURE_SLACK_MS = 2 * MINUTE_MS
const KEY_PREFIX = 'minute:'

export class PorticoMetrics extends DurableObject<Record<string, unknown>> {
  #windows = new Map<number, MinuteAggregate>()

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.list<MinuteAggregate>({ prefix: KEY_PREFIX })
      for (const agg of stored.values()) this.#windows.set(agg.minute, agg)
    })
  }

  /** Add one isolate's batch of minutes. */
  async ingest(batch: MinuteAggregate[]): Promise<void> {
    const now = Date.now()
    const oldest = this.#oldest(now)
    const changed = new Map<string, MinuteAggregate>()
    for (const agg of batch) {
      if (agg.minute < oldest || agg.minute > now + FUTURE_SLACK_MS || agg.minute % MINUTE_MS !== 0) continue
      const into = this.#windows.get(agg.minute) ?? emptyMinute(agg.minute)
      mergeInto(into, agg)
      this.#windows.set(agg.minute, into)
      changed.set(KEY_PREFIX + agg.minute, into)
    }
    if (changed.size > 0) await this.ctx.storage.put(Object.fromEntries(changed))
    await this.#prune(oldest)
  }

  /** The minutes kept, oldest first. */
  async recent(): Promise<MinuteAggregate[]> {
    await this.#prune(this.#oldest(Date.now()))
    return [...this.#windows.values()].sort((a, b) => a.minute - b.minute)
  }

  #oldest(now: number): number {
    return minuteOf(now) - (RETENTION_MINUTES - 1) * MINUTE_MS
  }

  async #prune(oldest: number): Promise<void> {
    const gone = [...this.#windows.keys()].filter((m) => m < oldest)
    if (gone.length === 0) return
    for (const m of gone) this.#windows.delete(m)
    await this.ctx.storage.delete(gone.map((m) => KEY_PREFIX + m))
  }
}
