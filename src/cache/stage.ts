// The cache stage of a route: look the request up (this isolate's memory, the colo cache, then KV
// when the route opts in), answer from storage when RFC 9111 allows, otherwise go to the origin
// (collapsing concurrent misses), revalidate with conditional requests, serve stale within
// stale-while-revalidate / stale-if-error, store what may be stored, invalidate on unsafe methods,
// and say what happened in Cache-Status. The decisions are the pure modules beside this file; this
// one does the I/O.
import { cookieValue } from '../http/cookie.ts'
import { problem } from '../http/problem.ts'
import { hasOriginPreconditions, isConditional, notModified, notModifiedHeaders, quotedTag } from './conditional.ts'
import { governingDirectives, type GoverningDirectives } from './directives.ts'
import { fill } from './fill.ts'
import { staleness, currentAge, freshnessLifetime, type StoredTimes } from './freshness.ts'
import { cacheKey, keyUrl } from './key.ts'
import { find, isolateMemory, measured, split, tiersOf, type Found, type Tiers } from './lookup.ts'
import { CACHE_KV_BINDING, CACHE_NAME, MAX_STORAGE_SECONDS, REVALIDATION_KEEP_SECONDS, type CachePolicy } from './policy.ts'
import { PurgeLog } from './purge.ts'
import { isPurged, responseTags, type PurgeRecord } from './purge-log.ts'
import { forClient, responseFromStorage } from './respond.ts'
import { cacheStatus, type CacheOutcome } from './status.ts'
import { fieldsNotStored, hasValidator, mayStore, requestLimits, type RequestLimits } from './storable.ts'
import { EdgeTier, KvTier, headerList, idOf, type EntryMeta, type Tier } from './store.ts'
import { mergeNotModified } from './update.ts'

export type Origin = (req: Request) => Promise<Response>

export interface CacheIo {
  env: Record<string, unknown>
  ctx: Pick<ExecutionContext, 'waitUntil'>
  /** The A/B variant, when experiments run: it joins the key. */
  variant?: string
  now: () => number
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
/** How long a collapsed request waits for the leader's response before going to the origin itself. */
const COLLAPSE_WAIT_MS = 5_000

const purgeLog = new PurgeLog(MAX_STORAGE_SECONDS)
const inFlight = new Map<string, Promise<void>>()
const revalidating = new Set<string>()
const IGNORE_CLIENT: RequestLimits = { noCache: false, noStore: false, onlyIfCached: false, maxAge: undefined, minFresh: undefined, maxStale: undefined }

export async function serveWithCache(req: Request, url: URL, policy: CachePolicy | undefined, toOrigin: Origin, io: CacheIo): Promise<Response> {
  if (!policy) {
    const res = await toOrigin(req)
    res.headers.set('cache-status', cacheStatus(CACHE_NAME, { hit: false, fwd: 'bypass', detail: 'cache-off' }))
    return res
  }
  const tiers = tiersOf(io.env, policy, io.now)
  const origin = advertised(toOrigin)
  const mark = (res: Response, o: CacheOutcome, cacheable = false) => {
    const out = forClient(res, policy, cacheable)
    out.headers.set('cache-status', cacheStatus(CACHE_NAME, o))
    return out
  }

  if (!SAFE_METHODS.has(req.method)) {
    const res = await origin(req)
    if (res.status < 400) io.ctx.waitUntil(invalidate(req, url, res.headers, policy, tiers, io))
    return mark(res, { hit: false, fwd: 'method', fwdStatus: res.status })
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return mark(await origin(req), { hit: false, fwd: 'method' })
  const bypass = bypassReason(req.headers, policy)
  if (bypass) return mark(await origin(req), { hit: false, fwd: 'bypass', detail: bypass })
  if (hasOriginPreconditions(req.headers)) return mark(await origin(req), { hit: false, fwd: 'request', detail: 'precondition' })

  const limits: RequestLimits = policy.honorRequestDirectives ? requestLimits(req.headers) : IGNORE_CLIENT
  const primaryKey = cacheKey(url, req.headers, policy.key, io.variant)
  const lookup = await lookUp(primaryKey, url.host, req.headers, tiers, io)

  if (lookup.found) {
    const found = req.method === 'GET' && req.headers.has('range') ? await measured(lookup.found) : lookup.found
    const times = timesOf(found, policy)
    const st = staleness(times, policy.freshness, io.now(), policy.staleIfErrorSeconds)
    const age = currentAge(times, io.now())
    const fromStorage = (detail?: string) => mark(storedAnswer(req, found, age), { hit: true, ttl: st.ttl, ...(detail ? { detail } : {}) }, true)

    const clientAccepts =
      !limits.noCache &&
      !st.noCache &&
      (limits.maxAge === undefined || age <= limits.maxAge) &&
      (limits.minFresh === undefined || st.ttl >= limits.minFresh)
    if (clientAccepts && st.fresh) return fromStorage(found.tier.name === 'kv' ? 'kv' : undefined)
    if (clientAccepts && !st.mustRevalidate && limits.maxStale !== undefined && -st.ttl <= limits.maxStale) return fromStorage('max-stale')
    if (clientAccepts && st.staleWhileRevalidate > 0 && -st.ttl <= st.staleWhileRevalidate) {
      revalidateInBackground(req, url, primaryKey, found, policy, origin, tiers, io)
      return fromStorage('stale-while-revalidate')
    }
    if (limits.onlyIfCached) {
      await found.body?.cancel()
      return mark(problem(504, 'not-cached', { detail: 'only-if-cached: no fresh stored response.', accept: req.headers.get('accept') }), { hit: false, detail: 'only-if-cached' })
    }
    return revalidate(req, url, primaryKey, found, st.staleIfError, st.ttl, policy, origin, tiers, io, mark)
  }

  if (limits.onlyIfCached) {
    return mark(problem(504, 'not-cached', { detail: 'only-if-cached: nothing stored for this request.', accept: req.headers.get('accept') }), { hit: false, detail: 'only-if-cached' })
  }
  // Collapsing: a miss already being fetched in this isolate is waited for, then looked up again.
  const leader = policy.collapse ? inFlight.get(primaryKey) : undefined
  if (leader) {
    await Promise.race([leader, new Promise((r) => setTimeout(r, COLLAPSE_WAIT_MS))])
    const again = await lookUp(primaryKey, url.host, req.headers, tiers, io)
    if (again.found) {
      const times = timesOf(again.found, policy)
      const st = staleness(times, policy.freshness, io.now(), policy.staleIfErrorSeconds)
      if (st.fresh && !st.noCache && !limits.noCache) {
        return mark(storedAnswer(req, again.found, currentAge(times, io.now())), { hit: true, ttl: st.ttl, collapsed: true }, true)
      }
      await again.found.body?.cancel()
    }
  }
  return fetchAndStore(req, url, primaryKey, policy, origin, tiers, io, mark, lookup.varyMiss ? 'vary-miss' : 'uri-miss')
}

type Mark = (res: Response, o: CacheOutcome, cacheable?: boolean) => Response

/** A miss: fetch the full response (the client's own conditions are evaluated here, not passed on) and store it. */
async function fetchAndStore(req: Request, url: URL, primaryKey: string, policy: CachePolicy, origin: Origin, tiers: Tiers, io: CacheIo, mark: Mark, fwd: 'uri-miss' | 'vary-miss'): Promise<Response> {
  const ranged = req.headers.has('range')
  const outgoing = ranged ? req : withoutConditions(req)
  // This request leads a collapse: followers wait until its response is stored (or not).
  let release = () => {}
  if (policy.collapse && !ranged && !inFlight.has(primaryKey)) {
    const gate = new Promise<void>((resolve) => (release = resolve))
    inFlight.set(primaryKey, gate)
    void gate.then(() => inFlight.delete(primaryKey))
  }
  try {
    const requestTime = io.now()
    const res = await origin(outgoing)
    const responseTime = io.now()
    const directives = governingDirectives(res.headers, policy.targetedFields, CACHE_NAME)
    const verdict = ranged ? { store: false as const, reason: 'range' } : mayStore('GET', req.headers, res.status, res.headers, directives, policy.storage)
    if (!verdict.store) {
      release()
      return mark(answerConditional(req, res), { hit: false, fwd, fwdStatus: res.status, detail: verdict.reason })
    }
    const filled = store({ req, url, primaryKey, res, directives, requestTime, responseTime }, policy, tiers)
    const stored = filled.stored.catch((err: unknown) => console.error(JSON.stringify({ level: 'warn', message: 'response not stored', url: url.href, error: String(err) })))
    io.ctx.waitUntil(stored.finally(release))
    return mark(answerConditional(req, filled.response), { hit: false, fwd, fwdStatus: res.status, stored: true }, true)
  } catch (err) {
    release()
    throw err
  }
}

/** A stored response that may not be served as it is: ask the origin, with its validators. */
async function revalidate(req: Request, url: URL, primaryKey: string, found: Found, staleIfError: number, ttl: number, policy: CachePolicy, origin: Origin, tiers: Tiers, io: CacheIo, mark: Mark): Promise<Response> {
  const requestTime = io.now()
  let res: Response
  try {
    res = await origin(conditionalFor(req, found.headers))
  } catch (err) {
    res = problem(502, 'upstream-unreachable', { detail: 'The origin could not be reached.', accept: req.headers.get('accept') })
    console.error(JSON.stringify({ level: 'error', message: 'revalidation failed', error: String(err) }))
  }
  const responseTime = io.now()
  if (res.status >= 500 && -ttl <= staleIfError) {
    await res.body?.cancel()
    return mark(storedAnswer(req, found, currentAge(timesOf(found, policy), io.now())), { hit: true, ttl, fwd: 'stale', fwdStatus: res.status, detail: 'stale-if-error' }, true)
  }
  if (res.status === 304) {
    await res.body?.cancel()
    const headers = mergeNotModified(found.headers, res.headers)
    const meta: EntryMeta = { ...found.meta, headers: headerList(headers), requestTime, responseTime, storedAt: responseTime }
    const directives = governingDirectives(headers, policy.targetedFields, CACHE_NAME)
    const times: StoredTimes = { status: meta.status, headers, directives, requestTime, responseTime }
    const [forClientBody, forStore] = found.body ? found.body.tee() : [null, null]
    io.ctx.waitUntil(restore(found, meta, forStore, storageTtl(times, policy), tiers).catch(() => {}))
    const st = staleness(times, policy.freshness, responseTime, policy.staleIfErrorSeconds)
    return mark(responseFromStorage(req, { status: meta.status, statusText: meta.statusText, headers, body: forClientBody, size: found.size, ageSeconds: currentAge(times, io.now()) }), { hit: false, fwd: 'stale', fwdStatus: 304, ttl: st.ttl }, true)
  }
  await found.body?.cancel()
  const directives = governingDirectives(res.headers, policy.targetedFields, CACHE_NAME)
  const verdict = mayStore('GET', req.headers, res.status, res.headers, directives, policy.storage)
  if (!verdict.store || res.status >= 500) {
    if (!verdict.store && res.status < 500) io.ctx.waitUntil(forget(found, primaryKey, url, tiers))
    return mark(answerConditional(req, res), { hit: false, fwd: 'stale', fwdStatus: res.status, detail: verdict.store ? undefined : verdict.reason })
  }
  const filled = store({ req, url, primaryKey, res, directives, requestTime, responseTime }, policy, tiers)
  io.ctx.waitUntil(filled.stored.catch(() => {}))
  return mark(answerConditional(req, filled.response), { hit: false, fwd: 'stale', fwdStatus: res.status, stored: true }, true)
}

/** Start storing an origin response while it streams to the client (fill.ts). */
function store(
  r: { req: Request; url: URL; primaryKey: string; res: Response; directives: GoverningDirectives; requestTime: number; responseTime: number },
  policy: CachePolicy,
  tiers: Tiers,
): { response: Response; stored: Promise<void> } {
  const { res, directives, requestTime, responseTime } = r
  return fill({
    primaryKey: r.primaryKey,
    host: r.url.host,
    url: keyUrl(r.url, policy.key),
    request: r.req.headers,
    response: res,
    requestTime,
    responseTime,
    tags: responseTags(res.headers),
    storageTtlSeconds: storageTtl({ status: res.status, headers: res.headers, directives, requestTime, responseTime }, policy),
    edge: tiers.edge,
    kv: tiers.kv,
    memory: tiers.memory,
    kvMaxBytes: policy.kvMaxBytes,
    withoutFields: fieldsNotStored(directives.directives),
  })
}

function revalidateInBackground(req: Request, url: URL, primaryKey: string, found: Found, policy: CachePolicy, origin: Origin, tiers: Tiers, io: CacheIo): void {
  const tag = `${primaryKey}#${found.entryId}`
  if (revalidating.has(tag)) return
  revalidating.add(tag)
  const headers = found.headers
  const background = (async () => {
    const requestTime = io.now()
    const res = await origin(conditionalFor(new Request(req.url, { method: 'GET', headers: req.headers }), headers))
    const responseTime = io.now()
    if (res.status === 304) {
      await res.body?.cancel()
      const merged = mergeNotModified(headers, res.headers)
      const stored = await found.tier.get(found.entryId, url.host)
      if (!stored || stored.meta.kind !== 'entry') return
      const meta: EntryMeta = { ...stored.meta, headers: headerList(merged), requestTime, responseTime, storedAt: responseTime }
      const directives = governingDirectives(merged, policy.targetedFields, CACHE_NAME)
      await restore(found, meta, stored.body, storageTtl({ status: meta.status, headers: merged, directives, requestTime, responseTime }, policy), tiers)
      return
    }
    const directives = governingDirectives(res.headers, policy.targetedFields, CACHE_NAME)
    if (res.status < 500 && mayStore('GET', req.headers, res.status, res.headers, directives, policy.storage).store) {
      const filled = store({ req, url, primaryKey, res, directives, requestTime, responseTime }, policy, tiers)
      await Promise.all([filled.stored, filled.response.body?.cancel()])
    } else {
      await res.body?.cancel()
    }
  })()
    .catch((err: unknown) => console.error(JSON.stringify({ level: 'warn', message: 'background revalidation failed', url: url.href, error: String(err) })))
    .finally(() => revalidating.delete(tag))
  io.ctx.waitUntil(background)
}

/**
 * Store a freshened entry again: in the tier it came from, in the colo cache too when that was this
 * isolate's memory, and in memory when the body is small.
 */
async function restore(found: Found, meta: EntryMeta, body: ReadableStream<Uint8Array> | null, ttl: number, tiers: Tiers): Promise<void> {
  const host = new URL(meta.url).host
  const targets: Tier[] = [found.tier]
  if (found.tier === tiers.memory) targets.push(tiers.edge)
  else if (tiers.memory?.fits(found.size)) targets.push(tiers.memory)
  const bodies = split(body, targets.length)
  await Promise.all(targets.map((tier, i) => tier.put(found.entryId, host, meta, bodies[i] ?? null, ttl)))
}

/** The request looked up in the route's tiers, against the purges this isolate knows of. */
function lookUp(primaryKey: string, host: string, request: Headers, tiers: Tiers, io: CacheIo): ReturnType<typeof find> {
  const waitUntil = (p: Promise<unknown>) => io.ctx.waitUntil(p)
  return find(primaryKey, host, request, tiers, purgeLog.current(tiers.kvNamespace, io.now(), waitUntil), waitUntil)
}

/** The client's answer from a stored entry, as it is stored. */
function storedAnswer(req: Request, found: Found, ageSeconds: number): Response {
  return responseFromStorage(req, { status: found.meta.status, statusText: found.meta.statusText, headers: found.headers, body: found.body, size: found.size, ageSeconds })
}

function timesOf(found: Found, policy: CachePolicy): StoredTimes {
  return {
    status: found.meta.status,
    headers: found.headers,
    directives: governingDirectives(found.headers, policy.targetedFields, CACHE_NAME),
    requestTime: found.meta.requestTime,
    responseTime: found.meta.responseTime,
  }
}

/** How long storage keeps a response: its freshness, its stale allowances, and time to revalidate. */
function storageTtl(times: StoredTimes, policy: CachePolicy): number {
  const st = staleness(times, policy.freshness, times.responseTime, policy.staleIfErrorSeconds)
  const lifetime = freshnessLifetime(times, policy.freshness)
  const keep = hasValidator(times.headers) ? REVALIDATION_KEEP_SECONDS : 0
  return Math.min(MAX_STORAGE_SECONDS, Math.max(60, lifetime + Math.max(st.staleWhileRevalidate, st.staleIfError, keep)))
}

/**
 * Requests to the origin say this is a surrogate (W3C Edge Architecture), so an origin can target
 * Surrogate-Control directives at it (";portico"). A client's own claim is replaced.
 */
function advertised(origin: Origin): Origin {
  return (r) => {
    const headers = new Headers(r.headers)
    headers.set('surrogate-capability', `${CACHE_NAME.toLowerCase()}="Surrogate/1.0"`)
    return origin(new Request(r, { headers }))
  }
}

function bypassReason(headers: Headers, policy: CachePolicy): string | undefined {
  for (const h of policy.bypassHeaders) if (headers.has(h)) return `header ${h}`
  const cookies = headers.get('cookie')
  for (const name of policy.bypassCookies) if (cookieValue(cookies, name) !== undefined) return `cookie ${name}`
  return undefined
}

/** The request as a GET without the client's conditions, to fetch a full response to store. */
function withoutConditions(req: Request): Request {
  const headers = new Headers(req.headers)
  for (const h of ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range']) headers.delete(h)
  return new Request(req.url, { method: 'GET', headers, redirect: 'manual' })
}

/** A conditional GET with the stored response's validators (RFC 9111 section 4.3.1). */
function conditionalFor(req: Request, stored: Headers): Request {
  const out = withoutConditions(req)
  out.headers.delete('range')
  const etag = stored.get('etag')
  const lastModified = stored.get('last-modified')
  if (etag) out.headers.set('if-none-match', quotedTag(etag))
  if (lastModified) out.headers.set('if-modified-since', lastModified)
  return out
}

/** The client's own conditional request, evaluated against the full response it did not pass on. */
function answerConditional(req: Request, res: Response): Response {
  if (req.method === 'HEAD') {
    void res.body?.cancel()
    return new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers })
  }
  if (res.status === 200 && isConditional(req.headers) && notModified(req.headers, res.headers)) {
    void res.body?.cancel()
    return new Response(null, { status: 304, headers: notModifiedHeaders(res.headers) })
  }
  return res
}

/** RFC 9111 section 4.4: an unsafe method's success invalidates its URI and same-origin Location/Content-Location. */
async function invalidate(req: Request, url: URL, headers: Headers, policy: CachePolicy, tiers: Tiers, io: CacheIo): Promise<void> {
  const targets = [url]
  for (const name of ['location', 'content-location']) {
    const value = headers.get(name)
    if (!value) continue
    try {
      const u = new URL(value, url)
      if (u.host === url.host) targets.push(u)
    } catch {
      // not a URL: nothing to invalidate
    }
  }
  await Promise.all(
    targets.map(async (u) => {
      await deleteEverywhere(await idOf(cacheKey(u, req.headers, policy.key, io.variant)), u.host, tiers.edge, tiers.kv)
    }),
  ).catch(() => {})
}

/**
 * Purge: recorded for every isolate and colo; what it covers dropped from this isolate's memory, and
 * the URLs' entries deleted from this colo, at once.
 */
export async function purge(records: readonly PurgeRecord[], urlPolicies: ReadonlyArray<{ url: URL; policy: CachePolicy }>, env: Record<string, unknown>): Promise<{ global: boolean }> {
  const kv = env[CACHE_KV_BINDING] as KVNamespace | undefined
  // A URL is recorded as its route's key sees it, as stored entries name themselves.
  const keyed = records.map((r) => {
    const match = r.kind === 'url' ? urlPolicies.find((p) => p.url.href === r.value) : undefined
    return match ? { ...r, value: keyUrl(match.url, match.policy.key) } : r
  })
  await purgeLog.add(kv, keyed)
  // Every hit is checked against the log anyway; dropping them now also frees their memory.
  isolateMemory.dropWhere((meta) => isPurged(keyed, { storedAt: meta.storedAt, url: meta.url, tags: meta.kind === 'entry' ? meta.tags : [] }))
  const edge = new EdgeTier(caches.default)
  await Promise.all(
    urlPolicies.map(async ({ url, policy }) => {
      await deleteEverywhere(await idOf(cacheKey(url, new Headers(), policy.key)), url.host, edge, kv ? new KvTier(kv) : undefined)
    }),
  )
  return { global: kv !== undefined }
}

/** A stored entry the origin now says is not storable is dropped. */
async function forget(found: Found, primaryKey: string, url: URL, tiers: Tiers): Promise<void> {
  const id = await idOf(primaryKey)
  await Promise.all([deleteEverywhere(found.entryId, url.host, tiers.edge, tiers.kv), deleteEverywhere(id, url.host, tiers.edge, tiers.kv)]).catch(() => {})
}

/**
 * An entry gone from every tier: this isolate's memory whatever the route's own setting (another
 * route may have filled it), the colo's cache and KV.
 */
async function deleteEverywhere(id: string, host: string, edge: Tier, kv: Tier | undefined): Promise<void> {
  isolateMemory.delete(id, host)
  await Promise.all([edge.delete(id, host), kv?.delete(id, host)])
}

