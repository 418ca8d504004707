// Looking a request up in storage: the tiers a route reads (this isolate's memory, the colo's Cache
// API, then KV when the route opts in), a Vary marker followed to the variant, purged entries passed
// over, and a hit from a slower tier copied into the faster ones. What to do with the entry found is
// stage.ts's.
import { readUpTo, replayed } from '../http/read.ts'
import { MEMORY_BUDGET_BYTES, MemoryLru, MemoryTier, readWhole } from './memory.ts'
import { CACHE_KV_BINDING, MAX_STORAGE_SECONDS, REVALIDATION_KEEP_SECONDS, type CachePolicy } from './policy.ts'
import { isPurged, type PurgeRecord } from './purge-log.ts'
import { EdgeTier, KvTier, entryHeaders, idOf, type EntryMeta, type Tier, type VaryMarker } from './store.ts'
import { varyKey } from './vary.ts'

export interface Found {
  meta: EntryMeta
  headers: Headers
  body: ReadableStream<Uint8Array> | null
  size: number | undefined
  tier: Tier
  entryId: string
}

export interface Tiers {
  memory: MemoryTier | undefined
  edge: Tier
  kv: Tier | undefined
  kvNamespace: KVNamespace | undefined
}

type WaitUntil = (p: Promise<unknown>) => void

/**
 * This isolate's memory tier, shared by every route. Invalidations and purges delete from it
 * whatever the route's own setting, since another route may have filled it.
 */
export const isolateMemory = new MemoryLru(MEMORY_BUDGET_BYTES)

export function tiersOf(env: Record<string, unknown>, policy: CachePolicy, now: () => number): Tiers {
  const kvNamespace = env[CACHE_KV_BINDING] as KVNamespace | undefined
  return {
    memory: policy.memory ? new MemoryTier(isolateMemory, policy.memory, now) : undefined,
    edge: new EdgeTier(caches.default),
    kv: policy.kvMaxBytes !== undefined && kvNamespace ? new KvTier(kvNamespace) : undefined,
    kvNamespace,
  }
}

/**
 * Look a request up: memory, the colo cache, then KV; follow a Vary marker to the variant; drop
 * purged entries, whichever tier held them.
 */
export async function find(primaryKey: string, host: string, request: Headers, tiers: Tiers, log: readonly PurgeRecord[], waitUntil: WaitUntil): Promise<{ found?: Found; varyMiss: boolean }> {
  const primaryId = await idOf(primaryKey)
  let varyMiss = false
  for (const tier of [tiers.memory, tiers.edge, tiers.kv]) {
    if (!tier) continue
    let got = await tier.get(primaryId, host)
    let entryId = primaryId
    let marker: VaryMarker | undefined
    if (got?.meta.kind === 'vary') {
      marker = got.meta
      const since = got.meta.since ?? 0
      entryId = await idOf(`${primaryKey}\n#${varyKey(got.meta.vary, request)}`)
      got = await tier.get(entryId, host)
      // A variant older than its marker outlived an invalidation of the resource.
      if (got?.meta.kind === 'entry' && got.meta.storedAt < since) {
        await got.body?.cancel()
        got = undefined
      }
      if (!got) varyMiss = true
    }
    if (!got || got.meta.kind !== 'entry') continue
    if (isPurged(log, got.meta)) {
      await got.body?.cancel()
      continue
    }
    const headers = entryHeaders(got.meta)
    const found: Found = { meta: got.meta, headers, body: got.body, size: got.size ?? storedSize(headers), tier, entryId }
    return { found: promote(found, marker ? { id: primaryId, marker } : undefined, host, tiers, waitUntil), varyMiss: false }
  }
  return { varyMiss }
}

/**
 * A hit is copied into the faster tiers, so the next request finds it sooner: a KV hit into the
 * colo cache, and a small one from either into this isolate's memory (with its Vary marker) when
 * its body reads whole. The client reads one branch of the body, each copy another.
 */
function promote(found: Found, vary: { id: string; marker: VaryMarker } | undefined, host: string, tiers: Tiers, waitUntil: WaitUntil): Found {
  const copies: Array<(body: ReadableStream<Uint8Array> | null) => Promise<unknown>> = []
  if (found.tier.name === 'kv') {
    copies.push((body) => tiers.edge.put(found.entryId, host, found.meta, body, body ? REVALIDATION_KEEP_SECONDS : MAX_STORAGE_SECONDS))
  }
  const memory = tiers.memory
  if (memory && found.tier !== memory && memory.fits(found.size)) {
    copies.push(async (body) => {
      const bytes = body ? await readWhole(body, memory.limits.maxEntryBytes, found.size) : null
      if (bytes === undefined) return
      if (vary) memory.keep(vary.id, host, vary.marker, null)
      memory.keep(found.entryId, host, found.meta, bytes)
    })
  }
  const [body, ...branches] = split(found.body, 1 + copies.length)
  copies.forEach((copy, i) => waitUntil(copy(branches[i] ?? null).catch(() => {})))
  return { ...found, body: body ?? null }
}

/** `n` readers of one body (by tee), or n nulls for none. */
export function split(body: ReadableStream<Uint8Array> | null, n: number): Array<ReadableStream<Uint8Array> | null> {
  if (!body) return Array<null>(n).fill(null)
  const out: Array<ReadableStream<Uint8Array>> = []
  let rest = body
  for (let i = 1; i < n; i++) {
    const [a, b] = rest.tee()
    out.push(b)
    rest = a
  }
  return [rest, ...out]
}

/** Largest stored body of unknown length held in memory to answer a Range from it. */
const RANGE_MEASURE_MAX_BYTES = 8 * 1024 * 1024

/**
 * A stored body of unknown size (the origin sent it chunked, and the Cache API may not say) is
 * read into memory when small enough, so a Range can be answered from it; a larger one is served
 * whole, which RFC 9110 section 14.2 allows.
 */
export async function measured(found: Found): Promise<Found> {
  if (found.size !== undefined || !found.body) return found
  const prefix = await readUpTo(found.body, RANGE_MEASURE_MAX_BYTES)
  return prefix.ended ? { ...found, body: new Blob(prefix.chunks).stream(), size: prefix.size } : { ...found, body: replayed(prefix) }
}

/** The stored body's size from its own Content-Length (kept only for unencoded bodies). */
function storedSize(headers: Headers): number | undefined {
  const length = headers.get('content-length')
  return length !== null && /^\d+$/.test(length) && !headers.has('content-encoding') ? Number(length) : undefined
}
