// Request metrics as per-minute aggregates: counters, and latency in fixed histogram buckets so that
// aggregates from many isolates add up exactly and percentiles (p50, p95, p99) can be read from
// the sum. Every map is capped (MAX_KEYS) so a flood of distinct routes or rules cannot grow an
// aggregate without bound. Pure: the caller passes the time.
import type { CacheResult, RateDecision } from './journey.ts'
import { exposuresOf } from './journey.ts'

export const MINUTE_MS = 60_000

/**
 * Upper bounds of the latency buckets, milliseconds; one more bucket counts everything slower.
 * Roughly logarithmic (1-2-3-5-7.5 per decade): a percentile read from them is within about 30% of
 * the true value, plenty to see a regression, and 26 numbers per histogram.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 30000]

/** Distinct routes, upstreams, experiments or rules kept per minute; the rest count as OTHER. */
export const MAX_KEYS = 50
export const OTHER = '(other)'

export interface Counts {
  requests: number
  /** Responses with status 5xx. */
  errors: number
  /** Counts per LATENCY_BOUNDS_MS bucket (length LATENCY_BOUNDS_MS.length + 1). */
  latency: number[]
}

export interface UpstreamCounts extends Counts {
  pool: string
}

export type RateOutcomeCounts = Partial<Record<Exclude<RateDecision, 'allowed'>, number>>

export interface MinuteAggregate extends Counts {
  /** Start of the minute, ms since the epoch. */
  minute: number
  /** Responses by status class: "2xx" ... "5xx". */
  statuses: Record<string, number>
  cache: Partial<Record<CacheResult, number>>
  routes: Record<string, Counts>
  /** Latency here is the upstream's (time to response headers), not the whole request's. */
  upstreams: Record<string, UpstreamCounts>
  /** experiment → variant → requests that carried it. */
  exposures: Record<string, Record<string, number>>
  /** Requests that at least one rate-limit rule looked at. */
  rateChecked: number
  /** rule → what it did other than allow. */
  rateLimits: Record<string, RateOutcomeCounts>
}

/** What one request adds to the metrics. */
export interface RequestSample {
  status: number
  durationMs: number
  route?: string
  pool?: string
  upstream?: string
  upstreamMs?: number
  cache?: CacheResult
  variant?: string
  rateLimit?: { decision: RateDecision; rule?: string }
}

export const minuteOf = (nowMs: number): number => Math.floor(nowMs / MINUTE_MS) * MINUTE_MS

const emptyCounts = (): Counts => ({ requests: 0, errors: 0, latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) })

export function emptyMinute(minute: number): MinuteAggregate {
  return { minute, ...emptyCounts(), statuses: {}, cache: {}, routes: {}, upstreams: {}, exposures: {}, rateChecked: 0, rateLimits: {} }
}

/** The bucket index of a latency: the first bound it does not exceed. */
export function bucketOf(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound)
  return i === -1 ? LATENCY_BOUNDS_MS.length : i
}

function count(c: Counts, isError: boolean, ms: number | undefined): void {
  c.requests += 1
  if (isError) c.errors += 1
  if (ms === undefined || !Number.isFinite(ms)) return
  const b = bucketOf(Math.max(0, ms))
  c.latency[b] = (c.latency[b] ?? 0) + 1
}

/** The entry of `key` in a capped map, created when there is room, else the OTHER entry. */
function slot<T>(map: Record<string, T>, key: string, make: () => T): T {
  const existing = map[key]
  if (existing) return existing
  const name = Object.keys(map).length < MAX_KEYS ? key : OTHER
  return (map[name] ??= make())
}

export function addSample(agg: MinuteAggregate, s: RequestSample): void {
  const isError = s.status >= 500
  count(agg, isError, s.durationMs)
  const cls = `${Math.floor(s.status / 100)}xx`
  agg.statuses[cls] = (agg.statuses[cls] ?? 0) + 1
  if (s.cache) agg.cache[s.cache] = (agg.cache[s.cache] ?? 0) + 1
  if (s.route !== undefined) count(slot(agg.routes, s.route, emptyCounts), isError, s.durationMs)
  if (s.upstream !== undefined) count(slot(agg.upstreams, s.upstream, () => ({ ...emptyCounts(), pool: s.pool ?? '' })), isError, s.upstreamMs)
  for (const [experiment, variant] of exposuresOf(s.variant)) {
    const variants = slot(agg.exposures, experiment, (): Record<string, number> => ({}))
    variants[variant] = (variants[variant] ?? 0) + 1
  }
  if (s.rateLimit) {
    agg.rateChecked += 1
    const { decision, rule } = s.rateLimit
    if (decision !== 'allowed') {
      const byRule = slot(agg.rateLimits, rule ?? '', (): RateOutcomeCounts => ({}))
      byRule[decision] = (byRule[decision] ?? 0) + 1
    }
  }
}

function addCounts(into: Counts, from: Counts): void {
  into.requests += from.requests
  into.errors += from.errors
  from.latency.forEach((n, i) => (into.latency[i] = (into.latency[i] ?? 0) + n))
}

function addNumbers(into: Record<string, number>, from: Record<string, number | undefined>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + (n ?? 0)
}

/** Add `from` (the same minute, from another isolate or batch) into `into`. */
export function mergeInto(into: MinuteAggregate, from: MinuteAggregate): void {
  addCounts(into, from)
  addNumbers(into.statuses, from.statuses)
  addNumbers(into.cache, from.cache)
  for (const [k, c] of Object.entries(from.routes)) addCounts(slot(into.routes, k, emptyCounts), c)
  for (const [k, c] of Object.entries(from.upstreams)) addCounts(slot(into.upstreams, k, () => ({ ...emptyCounts(), pool: c.pool })), c)
  for (const [k, v] of Object.entries(from.exposures)) addNumbers(slot(into.exposures, k, (): Record<string, number> => ({})), v)
  into.rateChecked += from.rateChecked
  for (const [k, v] of Object.entries(from.rateLimits)) addNumbers(slot(into.rateLimits, k, (): RateOutcomeCounts => ({})), v)
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram, interpolated linearly inside its bucket; null when it
 * is empty. A quantile in the last, unbounded bucket reads as the largest bound.
 */
export function percentile(latency: readonly number[], q: number): number | null {
  const total = latency.reduce((a, b) => a + b, 0)
  if (total === 0) return null
  const rank = q * total
  let below = 0
  for (let i = 0; i < latency.length; i++) {
    const n = latency[i] ?? 0
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number)
      const upper = LATENCY_BOUNDS_MS[i]
      if (upper === undefined) return lower
      return Math.round((lower + ((upper - lower) * (rank - below)) / n) * 10) / 10
    }
    below += n
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number
}
