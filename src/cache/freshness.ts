// Is a stored response fresh (RFC 9111 section 4.2)? Freshness lifetime from s-maxage, max-age,
// Expires or a heuristic on Last-Modified; current age from Age, Date and the times the response
// was requested and received; and how long it may still be served stale (RFC 5861). Pure: times
// are milliseconds since the epoch, passed in.
import { MAX_DELTA_SECONDS, seconds, type GoverningDirectives } from './directives.ts'

/** Statuses a cache may give heuristic freshness (RFC 9110 section 15.1). */
export const HEURISTICALLY_CACHEABLE = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501])

export interface FreshnessPolicy {
  /** Heuristic lifetime as a share of (Date - Last-Modified); RFC 9111 section 4.2.2 suggests 10%. */
  heuristicFraction: number
  heuristicMaxSeconds: number
  /** Route override: the edge freshness lifetime, replacing what the origin said. */
  edgeTtlSeconds: number | undefined
}

/** What freshness needs of a stored response. */
export interface StoredTimes {
  status: number
  headers: Headers
  directives: GoverningDirectives
  requestTime: number
  responseTime: number
}

/** An HTTP-date (RFC 9110 section 5.6.7), or NaN. Date.parse accepts all three formats. */
export function parseHttpDate(value: string | null): number {
  if (value === null || !/^[A-Za-z]{3}/.test(value.trim())) return Number.NaN
  return Date.parse(value)
}

/**
 * The Age field (RFC 9111 section 5.1), in seconds. Age is a singleton (one delta-seconds), so a list
 * (`0, 7200`, or two field lines) is as invalid as `abc`: +Infinity, and the response is stale. The
 * cautious reading: revalidating costs a round trip, serving a copy older than it claims costs
 * correctness.
 */
export function ageValue(headers: Headers): number {
  const raw = headers.get('age')
  if (raw === null) return 0
  const value = raw.trim()
  return /^\d+$/.test(value) ? Math.min(Number(value), MAX_DELTA_SECONDS) : Number.POSITIVE_INFINITY
}

/** Freshness lifetime in seconds (RFC 9111 section 4.2.1); 0 when stale on arrival. */
export function freshnessLifetime(r: StoredTimes, policy: FreshnessPolicy): number {
  if (policy.edgeTtlSeconds !== undefined) return policy.edgeTtlSeconds
  const d = r.directives
  const sMaxAge = seconds(d, 's-maxage')
  if (sMaxAge !== undefined) return Number.isNaN(sMaxAge) ? 0 : sMaxAge
  const maxAge = seconds(d, 'max-age')
  if (maxAge !== undefined) return Number.isNaN(maxAge) ? 0 : maxAge
  const expiresRaw = r.headers.get('expires')
  if (expiresRaw !== null) {
    const expires = parseHttpDate(expiresRaw)
    if (Number.isNaN(expires)) return 0 // an invalid Expires ("0") means already expired
    const date = dateValue(r)
    return Math.max(0, Math.floor((expires - date) / 1000))
  }
  if (!HEURISTICALLY_CACHEABLE.has(r.status) && !d.directives.has('public')) return 0
  const lastModified = parseHttpDate(r.headers.get('last-modified'))
  if (Number.isNaN(lastModified)) return 0
  const since = (dateValue(r) - lastModified) / 1000
  return since > 0 ? Math.min(Math.floor(since * policy.heuristicFraction), policy.heuristicMaxSeconds) : 0
}

/** Whether freshness came from a heuristic rather than the origin's explicit word. */
export function hasExplicitFreshness(r: Pick<StoredTimes, 'directives' | 'headers'>): boolean {
  return r.directives.directives.has('s-maxage') || r.directives.directives.has('max-age') || r.headers.has('expires')
}

function dateValue(r: StoredTimes): number {
  const date = parseHttpDate(r.headers.get('date'))
  return Number.isNaN(date) ? r.responseTime : date
}

/** Current age in seconds (RFC 9111 section 4.2.3). */
export function currentAge(r: StoredTimes, now: number): number {
  const apparentAge = Math.max(0, r.responseTime - dateValue(r)) / 1000
  const responseDelay = (r.responseTime - r.requestTime) / 1000
  const correctedAgeValue = ageValue(r.headers) + responseDelay
  const correctedInitialAge = Math.max(apparentAge, correctedAgeValue)
  const residentTime = (now - r.responseTime) / 1000
  return correctedInitialAge + residentTime
}

export interface Staleness {
  /** Seconds of freshness left: negative once stale. */
  ttl: number
  fresh: boolean
  /** Seconds it may be served stale while revalidating in the background (0: none). */
  staleWhileRevalidate: number
  /** Seconds it may be served stale when the origin fails (0: none). */
  staleIfError: number
  /** must-revalidate / proxy-revalidate / s-maxage: never served stale (RFC 9111 sections 4.2.4, 5.2.2.2). */
  mustRevalidate: boolean
  /** no-cache: every reuse needs a successful revalidation. */
  noCache: boolean
}

export function staleness(r: StoredTimes, policy: FreshnessPolicy, now: number, defaultStaleIfError: number): Staleness {
  const lifetime = freshnessLifetime(r, policy)
  const age = currentAge(r, now)
  const d = r.directives
  const swr = seconds(d, 'stale-while-revalidate')
  const sie = seconds(d, 'stale-if-error')
  const explicitSwr = swr !== undefined && !Number.isNaN(swr)
  const explicitSie = sie !== undefined && !Number.isNaN(sie)
  // must-revalidate and proxy-revalidate forbid stale outright. s-maxage implies proxy-revalidate
  // (RFC 9111 section 5.2.2.10), but an origin that also sends stale-while-revalidate or
  // stale-if-error (RFC 5861) grants this cache exactly that permission, as CDNs read
  // "s-maxage=60, stale-while-revalidate=30".
  const explicit = d.directives.has('must-revalidate') || d.directives.has('proxy-revalidate')
  const impliedByShared = d.directives.has('s-maxage')
  const mustRevalidate = explicit || impliedByShared
  return {
    ttl: lifetime - age,
    fresh: lifetime > age,
    staleWhileRevalidate: explicit || !explicitSwr ? 0 : (swr as number),
    staleIfError: explicit ? 0 : explicitSie ? (sie as number) : impliedByShared ? 0 : defaultStaleIfError,
    mustRevalidate,
    // no-cache="field" only keeps those fields out of storage (RFC 9111 section 5.2.2.4).
    noCache: d.directives.get('no-cache') === true,
  }
}
