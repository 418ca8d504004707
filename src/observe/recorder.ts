// This isolate's metrics not yet sent: requests are added to per-minute aggregates in memory (no
// I/O on the request path), and sent as one batch to the metrics Durable Object at most every
// flush interval, through waitUntil. A batch that fails to arrive is kept for the next try; what
// is older than the object keeps (RETENTION_MINUTES) is dropped. An isolate that is evicted loses
// at most one interval of data.
import { addSample, emptyMinute, mergeInto, minuteOf, MINUTE_MS, type MinuteAggregate, type RequestSample } from './metrics.ts'

/** Minutes of aggregates the metrics object keeps, and so the status page's longest window. */
export const RETENTION_MINUTES = 60

export interface MetricsSink {
  ingest(batch: MinuteAggregate[]): Promise<unknown>
}

export class MetricsRecorder {
  #pending = new Map<number, MinuteAggregate>()
  #lastFlush = Number.NEGATIVE_INFINITY
  #sending: Promise<void> | undefined

  record(sample: RequestSample, now: number): void {
    const minute = minuteOf(now)
    let agg = this.#pending.get(minute)
    if (!agg) this.#pending.set(minute, (agg = emptyMinute(minute)))
    addSample(agg, sample)
  }

  /**
   * The send to hand to waitUntil when one is due (something pending, and the last was at least
   * `intervalMs` ago, or `force`); undefined when not. Never two sends at once: a forced flush
   * during a send waits for it, then sends what came after.
   */
  flush(sink: () => MetricsSink, now: number, intervalMs: number, force = false): Promise<void> | undefined {
    if (this.#sending) return force ? this.#sending.then(() => this.flush(sink, Date.now(), intervalMs, true)) : undefined
    if (this.#pending.size === 0 || (!force && now - this.#lastFlush < intervalMs)) return undefined
    this.#lastFlush = now
    const batch = [...this.#pending.values()]
    this.#pending = new Map()
    const sending = sink()
      .ingest(batch)
      .then(
        () => {},
        (err: unknown) => {
          this.#restore(batch, Date.now())
          console.warn(JSON.stringify({ level: 'warn', message: 'metrics object unreachable', error: String(err) }))
        },
      )
      .finally(() => {
        this.#sending = undefined
      })
    this.#sending = sending
    return sending
  }

  #restore(batch: MinuteAggregate[], now: number): void {
    const oldest = minuteOf(now) - (RETENTION_MINUTES - 1) * MINUTE_MS
    for (const agg of batch) {
      if (agg.minute < oldest) continue
      const into = this.#pending.get(agg.minute)
      if (into) mergeInto(into, agg)
      else this.#pending.set(agg.minute, agg)
    }
  }
}
