// May this response be stored by a shared cache (RFC 9111 section 3), and may a request be
// answered from storage at all? Pure. The route's own rules (errors, Set-Cookie, bypass) are here
// too, each named in the reason so Cache-Status can say why.
import { deltaSeconds, parseCacheControl, type Directives, type GoverningDirectives } from './directives.ts'
import { HEURISTICALLY_CACHEABLE, hasExplicitFreshness } from './freshness.ts'

/** Statuses this cache understands (for must-understand, RFC 9111 section 5.2.2.3). */
const UNDERSTOOD = new Set([200, 203, 204, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 410, 414, 451, 500, 501, 502, 503, 504])

export interface StoragePolicy {
  /** Store 5xx responses (when explicitly cacheable). Default false: an origin's error is not kept. */
  cacheErrors: boolean
  /** Store responses that set cookies (shared with every client). Default false. */
  storeSetCookie: boolean
  /** A route TTL override makes responses without explicit freshness storable too. */
  edgeTtlSeconds: number | undefined
}

export type StoreVerdict = { store: true } | { store: false; reason: string }

export function mayStore(
  method: string,
  requestHeaders: Headers,
  status: number,
  headers: Headers,
  directives: GoverningDirectives,
  policy: StoragePolicy,
): StoreVerdict {
  const d = directives.directives
  const no = (reason: string): StoreVerdict => ({ store: false, reason })
  if (method !== 'GET') return no('method')
  if (requestDirectives(requestHeaders).has('no-store')) return no('request no-store')
  // must-understand: a cache that knows the status ignores the no-store sent for older caches (section 5.2.2.3).
  if (d.has('no-store') && !(d.has('must-understand') && UNDERSTOOD.has(status))) return no('no-store')
  // private="field" lets a shared cache store the response without those fields (section 5.2.2.7).
  if (d.get('private') === true) return no('private')
  if (status === 206 || status === 304 || status < 200) return no('partial or not a full response')
  if (d.has('must-understand') ? !UNDERSTOOD.has(status) : false) return no('status not understood')
  if (status >= 500 && !policy.cacheErrors) return no('origin error')
  if (isVaryStar(headers)) return no('vary *')
  if (headers.has('set-cookie') && !policy.storeSetCookie) return no('set-cookie')
  // RFC 9111 section 3.5: a response to an authenticated request is shared only when the origin says so.
  if (requestHeaders.has('authorization') && !(d.has('must-revalidate') || d.has('public') || d.has('s-maxage'))) return no('authorization')
  const explicit = hasExplicitFreshness({ directives, headers }) || d.has('public') || policy.edgeTtlSeconds !== undefined
  // RFC 9111 section 3: without explicit freshness only a heuristically cacheable status is stored
  // (404, 405, 410 and 414 among them: their heuristic lifetime, like a 200's, comes from
  // Last-Modified; without it they are stored already stale).
  if (!explicit && !HEURISTICALLY_CACHEABLE.has(status)) return no('not cacheable')
  return { store: true }
}

/** Fields a qualified no-cache or private keeps out of storage, lower case. */
export function fieldsNotStored(d: Directives): string[] {
  const names: string[] = []
  for (const directive of ['no-cache', 'private']) {
    const v = d.get(directive)
    if (typeof v === 'string') for (const f of v.split(',')) if (f.trim()) names.push(f.trim().toLowerCase())
  }
  return names
}

export function hasValidator(headers: Headers): boolean {
  return headers.has('etag') || headers.has('last-modified')
}

/** Vary: * (alone or in a list) means no stored response can ever match (RFC 9111 section 4.1). */
export function isVaryStar(headers: Headers): boolean {
  const vary = headers.get('vary')
  return vary !== null && vary.split(',').some((v) => v.trim() === '*')
}

/** The client's own Cache-Control. Pragma is not read: RFC 9111 section 5.4 deprecates it. */
export function requestDirectives(headers: Headers): Directives {
  return parseCacheControl(headers.get('cache-control'))
}

/** What the client's directives allow (RFC 9111 section 5.2.1). */
export interface RequestLimits {
  noCache: boolean
  /** The response to this request must not be stored (it may still come from storage). */
  noStore: boolean
  onlyIfCached: boolean
  /** Oldest acceptable current age, seconds. */
  maxAge: number | undefined
  /** Freshness the response must still have, seconds. */
  minFresh: number | undefined
  /** Staleness the client accepts, seconds (Infinity for a bare max-stale). */
  maxStale: number | undefined
}

export function requestLimits(headers: Headers): RequestLimits {
  const d = requestDirectives(headers)
  const num = (name: string) => {
    const v = deltaSeconds(d, name)
    return v === undefined || Number.isNaN(v) ? undefined : v
  }
  return {
    noCache: d.has('no-cache'),
    noStore: d.has('no-store'),
    onlyIfCached: d.has('only-if-cached'),
    maxAge: num('max-age'),
    minFresh: num('min-fresh'),
    maxStale: d.get('max-stale') === true ? Number.POSITIVE_INFINITY : num('max-stale'),
  }
}
