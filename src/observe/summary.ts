// The last minutes' aggregates → what GET /_portico/metrics answers and the status page draws:
// totals with percentiles and ratios, one point per minute (empty minutes included, so a chart's
// x axis is time), and per route, upstream, experiment and rate-limit rule. Pure.
import type { CacheResult } from './journey.ts'
import { emptyMinute, mergeInto, minuteOf, MINUTE_MS, percentile, type Counts, type MinuteAggregate } from './metrics.ts'

export interface LatencySummary {
  p50: number | null
  p95: number | null
  p99: number | null
}

export interface MinutePoint extends LatencySummary {
  /** Start of the minute, ISO 8601. */
  minute: string
  requests: number
  errors: number
  /** Answered from storage: hit, stale, revalidated. */
  hits: number
  misses: number
  rateLimited: number
}

export interface MetricsReport {
  generatedAt: string
  windowMinutes: number
  totals: {
    requests: number
    errors: number
    /** errors / requests; null without requests. */
    errorRate: number | null
    /** (hit + stale + revalidated) / (those + miss); null when nothing was looked up. */
    hitRatio: number | null
    latencyMs: LatencySummary
    statuses: Record<string, number>
    /** Requests a rate-limit rule looked at, and those refused (429, or 503 failing closed). */
    rateChecked: number
    rateLimited: number
  }
  cache: Partial<Record<CacheResult, number>>
  series: MinutePoint[]
  routes: Array<{ name: string; requests: number; errors: number; latencyMs: LatencySummary }>
  upstreams: Array<{ key: string; pool: string; requests: number; errors: number; latencyMs: LatencySummary }>
  experiments: Array<{ name: string; exposures: number; variants: Array<{ name: string; exposures: number; share: number }> }>
  rateLimits: Array<{ rule: string; rejected: number; logged: number; failedOpen: number; failedClosed: number }>
}

const latencyOf = (c: Counts): LatencySummary => ({ p50: percentile(c.latency, 0.5), p95: percentile(c.latency, 0.95), p99: percentile(c.latency, 0.99) })
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000)
const hitsOf = (a: MinuteAggregate) => (a.cache.hit ?? 0) + (a.cache.stale ?? 0) + (a.cache.revalidated ?? 0)
const limitedOf = (a: MinuteAggregate) => Object.values(a.rateLimits).reduce((n, r) => n + (r.rejected ?? 0) + (r['failed-closed'] ?? 0), 0)

/** Summarise the `minutes` minutes up to and including the one `now` falls in. */
export function summarise(windows: readonly MinuteAggregate[], now: number, minutes: number): MetricsReport {
  const last = minuteOf(now)
  const first = last - (minutes - 1) * MINUTE_MS
  const byMinute = new Map<number, MinuteAggregate>()
  for (const w of windows) {
    if (w.minute < first || w.minute > last) continue
    const into = byMinute.get(w.minute) ?? emptyMinute(w.minute)
    mergeInto(into, w)
    byMinute.set(w.minute, into)
  }
  const total = emptyMinute(first)
  const series: MinutePoint[] = []
  for (let m = first; m <= last; m += MINUTE_MS) {
    const a = byMinute.get(m) ?? emptyMinute(m)
    mergeInto(total, a)
    series.push({ minute: new Date(m).toISOString(), requests: a.requests, errors: a.errors, hits: hitsOf(a), misses: a.cache.miss ?? 0, rateLimited: limitedOf(a), ...latencyOf(a) })
  }
  const hits = hitsOf(total)
  const byRequests = <T extends { requests: number }>(a: T, b: T) => b.requests - a.requests
  return {
    generatedAt: new Date(now).toISOString(),
    windowMinutes: minutes,
    totals: {
      requests: total.requests,
      errors: total.errors,
      errorRate: ratio(total.errors, total.requests),
      hitRatio: ratio(hits, hits + (total.cache.miss ?? 0)),
      latencyMs: latencyOf(total),
      statuses: total.statuses,
      rateChecked: total.rateChecked,
      rateLimited: limitedOf(total),
    },
    cache: total.cache,
    series,
    routes: Object.entries(total.routes)
      .map(([name, c]) => ({ name, requests: c.requests, errors: c.errors, latencyMs: latencyOf(c) }))
      .sort(byRequests),
    upstreams: Object.entries(total.upstreams)
      .map(([key, c]) => ({ key, pool: c.pool, requests: c.requests, errors: c.errors, latencyMs: latencyOf(c) }))
      .sort(byRequests),
    experiments: Object.entries(total.exposures)
      .map(([name, variants]) => {
        const exposures = Object.values(variants).reduce((a, b) => a + b, 0)
        const list = Object.entries(variants).map(([v, n]) => ({ name: v, exposures: n, share: ratio(n, exposures) ?? 0 }))
        return { name, exposures, variants: list.sort((a, b) => a.name.localeCompare(b.name)) }
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    rateLimits: Object.entries(total.rateLimits)
      .map(([rule, r]) => ({ rule, rejected: r.rejected ?? 0, logged: r.logged ?? 0, failedOpen: r['failed-open'] ?? 0, failedClosed: r['failed-closed'] ?? 0 }))
      .sort((a, b) => a.rule.localeCompare(b.rule)),
  }
}
