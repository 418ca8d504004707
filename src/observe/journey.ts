// One request's journey record: a small mutable object the pipeline creates and each stage fills
// with what it decided (route, upstream, attempts, rate-limit decision, variant, timings), so the
// log line, Server-Timing and metrics are written once at the end without any stage reading
// another's config. Pure: the caller passes the clock.

/** What the rate-limit gate decided for this request, most significant rule first. */
export type RateDecision = 'allowed' | 'rejected' | 'logged' | 'failed-open' | 'failed-closed'

/** The cache's answer, from its Cache-Status field (RFC 9211), in the words of the status page. */
export type CacheResult = 'hit' | 'stale' | 'revalidated' | 'miss' | 'bypass'

export interface Journey {
  readonly requestId: string
  /** W3C traceparent the origin receives: the client's when valid, else one started here. */
  readonly traceparent: string
  /** Date.now() when the request arrived. */
  readonly startedAt: number
  readonly method: string
  readonly host: string
  readonly path: string
  /** The query as received (redacted before it is logged). */
  readonly query: string
  /** The Cloudflare location that answered (request.cf.colo), when known. */
  readonly colo: string | undefined
  /** The client's headers, for a debug-level log line (redacted there). */
  readonly requestHeaders: Headers
  /** This response gets Server-Timing (decided when the request arrived). */
  readonly serverTiming: boolean
  route?: string
  pool?: string
  /** The upstream that gave the final answer, by its key (origin and base path, or service binding). */
  upstream?: string
  /** Attempts made at upstreams: 0 when none was needed (a cache hit, a redirect route). */
  attempts: number
  /** Milliseconds spent waiting for upstream response headers, all attempts together. */
  upstreamMs?: number
  /** When the cache stage started (Date.now()), so its time can be taken when the response is ready. */
  cacheStartedAt?: number
  /** Milliseconds from the cache stage's start until the response was ready, upstream time included. */
  cacheMs?: number
  rateLimit?: { decision: RateDecision; rule?: string }
  /** The experiments stage's label: "checkout=v2;banner=b" (experiment=variant pairs). */
  variant?: string
  status?: number
  /** The response's Cache-Status value, as sent. */
  cacheStatus?: string
  /** Milliseconds from arrival until the response headers were ready. */
  durationMs?: number
}

export interface JourneyStart {
  requestId: string
  traceparent: string
  serverTiming: boolean
  now: number
}

export function startJourney(req: Request, url: URL, start: JourneyStart): Journey {
  return {
    requestId: start.requestId,
    traceparent: start.traceparent,
    startedAt: start.now,
    method: req.method,
    host: url.host,
    path: url.pathname,
    query: url.search,
    colo: coloOf(req.headers.get('cf-ray')),
    requestHeaders: req.headers,
    serverTiming: start.serverTiming,
    attempts: 0,
  }
}

/**
 * The location that answered, from CF-Ray ("8f1d2c3b4a5e6f70-AMS") rather than request.cf: the
 * runtime parses the whole cf object on its first read, a cost every request would pay for one field.
 */
export function coloOf(ray: string | null): string | undefined {
  const dash = ray?.lastIndexOf('-') ?? -1
  const colo = dash > 0 ? (ray as string).slice(dash + 1) : ''
  return /^[A-Z]{3}$/.test(colo) ? colo : undefined
}

/** How much a decision says about a request: a later rule's decision replaces an earlier one only when it says more. */
const DECISION_WEIGHT: Record<RateDecision, number> = { allowed: 0, 'failed-open': 1, logged: 2, 'failed-closed': 3, rejected: 4 }

export function noteRateDecision(journey: Journey | undefined, decision: RateDecision, rule: string): void {
  if (!journey) return
  const now = journey.rateLimit
  if (!now || DECISION_WEIGHT[decision] > DECISION_WEIGHT[now.decision]) journey.rateLimit = decision === 'allowed' ? { decision } : { decision, rule }
}

/**
 * Cache-Status (RFC 9211 section 2) → result. A hit served past freshness (stale-while-revalidate,
 * max-stale, stale-if-error) is "stale"; a stored response the origin confirmed with 304 is
 * "revalidated"; a lookup that went to the origin for a new body is a "miss"; a request the cache
 * did not look up is "bypass"; a route without a cache (detail=cache-off) has no result.
 */
export function cacheResultOf(cacheStatus: string | null | undefined): CacheResult | undefined {
  if (!cacheStatus) return undefined
  // The same few values recur on every request of a route (the log line, metrics and Server-Timing
  // each ask): remember recent answers rather than parse again.
  const known = recentResults.get(cacheStatus)
  if (known !== undefined || recentResults.has(cacheStatus)) return known
  if (recentResults.size >= RECENT_RESULTS_MAX) recentResults.clear()
  const result = parseCacheResult(cacheStatus)
  recentResults.set(cacheStatus, result)
  return result
}

const RECENT_RESULTS_MAX = 256
const recentResults = new Map<string, CacheResult | undefined>()

function parseCacheResult(cacheStatus: string): CacheResult | undefined {
  const params = new Map<string, string>()
  let hit = false
  for (const part of cacheStatus.split(';').slice(1)) {
    const [key = '', value = ''] = part.trim().split('=', 2)
    if (key === 'hit') hit = true
    else if (key) params.set(key, value.replace(/^"|"$/g, ''))
  }
  const fwd = params.get('fwd')
  const detail = params.get('detail')
  if (hit) return detail === 'stale-while-revalidate' || detail === 'max-stale' || detail === 'stale-if-error' ? 'stale' : 'hit'
  if (fwd === 'stale') return params.get('fwd-status') === '304' ? 'revalidated' : 'miss'
  if (fwd === 'uri-miss' || fwd === 'vary-miss' || fwd === 'miss') return 'miss'
  if (fwd === 'bypass' && detail === 'cache-off') return undefined
  return fwd ? 'bypass' : undefined
}

/** "checkout=v2;banner=b" → [["checkout", "v2"], ["banner", "b"]]. */
export function exposuresOf(label: string | undefined): Array<[string, string]> {
  if (!label) return []
  return label.split(';').flatMap((pair) => {
    const eq = pair.indexOf('=')
    return eq > 0 ? [[pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()] as [string, string]] : []
  })
}
