import { describe, expect, it } from 'vitest'
import type { MinuteAggregate } from './metrics.ts'
import { MetricsRecorder, type MetricsSink } from './recorder.ts'

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0)

class Sink implements MetricsSink {
  batches: MinuteAggregate[][] = []
  fail = false
  async ingest(batch: MinuteAggregate[]) {
    if (this.fail) throw new Error('object unreachable')
    this.batches.push(batch)
  }
}

describe('MetricsRecorder', () => {
  it('sends the first request at once, then at most once per interval', async () => {
    const r = new MetricsRecorder()
    const sink = new Sink()
    r.record({ status: 200, durationMs: 1 }, T0)
    await r.flush(() => sink, T0, 5_000)
    r.record({ status: 200, durationMs: 1 }, T0 + 1_000)
    expect(r.flush(() => sink, T0 + 1_000, 5_000)).toBeUndefined()
    r.record({ status: 200, durationMs: 1 }, T0 + 2_000)
    await r.flush(() => sink, T0 + 5_000, 5_000)
    expect(sink.batches.map((b) => b.map((m) => m.requests))).toEqual([[1], [2]])
  })

  it('sends nothing when nothing is pending', () => {
    expect(new MetricsRecorder().flush(() => new Sink(), T0, 0, true)).toBeUndefined()
  })

  it('keeps one aggregate per minute', async () => {
    const r = new MetricsRecorder()
    const sink = new Sink()
    r.record({ status: 200, durationMs: 1 }, T0 + 59_000)
    r.record({ status: 200, durationMs: 1 }, T0 + 61_000)
    await r.flush(() => sink, T0 + 61_000, 0)
    expect(sink.batches[0]?.map((m) => m.minute)).toEqual([T0, T0 + 60_000])
  })

  it('keeps a batch that failed to arrive for the next send', async () => {
    const r = new MetricsRecorder()
    const sink = new Sink()
    sink.fail = true
    r.record({ status: 200, durationMs: 1 }, Date.now())
    const warn = console.warn
    console.warn = () => {}
    try {
      await r.flush(() => sink, Date.now(), 0)
    } finally {
      console.warn = warn
    }
    sink.fail = false
    r.record({ status: 200, durationMs: 1 }, Date.now())
    await r.flush(() => sink, Date.now(), 0, true)
    expect(sink.batches.flat().reduce((n, m) => n + m.requests, 0)).toBe(2)
  })

  it('never sends twice at once: a forced flush waits for the send under way', async () => {
    const r = new MetricsRecorder()
    let release = () => {}
    const calls: number[] = []
    const slow: MetricsSink = {
      ingest: (batch) => {
        calls.push(batch.reduce((n, m) => n + m.requests, 0))
        return calls.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()
      },
    }
    r.record({ status: 200, durationMs: 1 }, Date.now())
    const first = r.flush(() => slow, Date.now(), 0)
    r.record({ status: 200, durationMs: 1 }, Date.now())
    const forced = r.flush(() => slow, Date.now(), 0, true)
    expect(calls).toEqual([1])
    release()
    await Promise.all([first, forced])
    expect(calls).toEqual([1, 1])
  })
})
