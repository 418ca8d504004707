// Looking a request up in storage: the tiers a route reads (the colo's Cache API, then KV when the
// route opts in), a Vary marker followed to the variant, purged entries passed over, and a hit from
// a slower tier copied into the faster one. What to do with the entry found is stage.ts's.
import { CACHE_KV_BINDING, MAX_STORAGE_SECONDS, REVALIDATION_KEEP_SECONDS, type CachePolicy } from './policy.ts'
import { isPurged, type PurgeRecord } from './purge-log.ts'
import { EdgeTier, KvTier, entryHeaders, idOf, type EntryMeta, type Tier } from './store.ts'
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
  edge: Tier
  kv: Tier | undefined
  kvNamespace: KVNamespace | undefined
}

type WaitUntil = (p: Promise<unknown>) => void

export function tiersOf(env: Record<string, unknown>, policy: CachePolicy): Tiers {
  const kvNamespace = env[CACHE_KV_BINDING] as KVNamespace | undefined
  return { edge: new EdgeTier(caches.default), kv: policy.kvMaxBytes !== undefined && kvNamespace ? new KvTier(kvNamespace) : undefined, kvNamespace }
}

/** Look a request up: the colo cache, then KV; follow a Vary marker to the variant; drop purged entries. */
export async function find(primaryKey: string, host: string, request: Headers, tiers: Tiers, log: readonly PurgeRecord[], waitUntil: WaitUntil): Promise<{ found?: Found; varyMiss: boolean }> {
  const primaryId = await idOf(primaryKey)
  let varyMiss = false
  for (const tier of tiers.kv ? [tiers.edge, tiers.kv] : [tiers.edge]) {
    let got = await tier.get(primaryId, host)
    let entryId = primaryId
    if (got?.meta.kind === 'vary') {
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
    if (tier.name === 'kv') return { found: backfill(found, host, tiers, waitUntil), varyMiss: false }
    return { found, varyMiss: false }
  }
  return { varyMiss }
}

/** A KV hit is copied into the colo cache, so the next request there is a local hit. */
function backfill(found: Found, host: string, tiers: Tiers, waitUntil: WaitUntil): Found {
  if (!found.body) {
    waitUntil(tiers.edge.put(found.entryId, host, found.meta, null, MAX_STORAGE_SECONDS).catch(() => {}))
    return found
  }
  const [a, b] = found.body.tee()
  waitUntil(tiers.edge.put(found.entryId, host, found.meta, b, REVALIDATION_KEEP_SECONDS).catch(() => {}))
  return { ...found, body: a }
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
  const reader = found.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size <= RANGE_MEASURE_MAX_BYTES) {
    const next = await reader.read()
    if (next.done) return { ...found, body: new Blob(chunks).stream(), size }
    chunks.push(next.value)
    size += next.value.byteLength
  }
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const held = chunks.shift()
      if (held) return controller.enqueue(held)
      const next = await reader.read()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return { ...found, body }
}

/** The stored body's size from its own Content-Length (kept only for unencoded bodies). */
function storedSize(headers: Headers): number | undefined {
  const length = headers.get('content-length')
  return length !== null && /^\d+$/.test(length) && !headers.has('content-encoding') ? Number(length) : undefined
}
