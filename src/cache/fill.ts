// Storing an origin's response while it streams to the client: the body is teed, one branch to
// the client, one to storage. The storage branch is checked on the way: a body shorter or longer
// than its Content-Length, one the origin broke off, or one over the size limit errors that branch,
// and an entry whose body did not arrive whole is deleted again, so nothing partial is ever served.
// A small body read whole is also kept in this isolate's memory, once the colo's cache has it.
import { concatBytes } from '../http/bytes.ts'
import type { MemoryTier } from './memory.ts'
import { headerList, idOf, type EntryMeta, type Tier, type VaryMarker } from './store.ts'
import { varyKey, varyNames } from './vary.ts'

export interface FillInput {
  primaryKey: string
  host: string
  url: string
  request: Headers
  response: Response
  requestTime: number
  responseTime: number
  tags: string[]
  storageTtlSeconds: number
  edge: Tier
  kv: Tier | undefined
  kvMaxBytes: number | undefined
  /** This isolate's memory, when the route keeps small responses there. */
  memory: MemoryTier | undefined
  /** Fields a qualified no-cache or private keeps out of storage. */
  withoutFields: readonly string[]
}

/** Largest body kept in the colo's cache (the Cache API allows 512 MB per object). */
const MAX_EDGE_BYTES = 512 * 1024 * 1024

/**
 * Start storing `response`. Returns the response for the client (same status and headers, its own
 * branch of the body) and the storage work for waitUntil.
 */
export function fill(input: FillInput): { response: Response; stored: Promise<void> } {
  const res = input.response
  // An encoded body reaches JavaScript decoded: the stored copy is the decoded bytes, its
  // Content-Length (the encoded size) is dropped, and the runtime encodes again when serving it.
  const encoded = (res.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity'
  const declared = encoded ? null : res.headers.get('content-length')
  const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined
  const storedHeaders = new Headers(res.headers)
  if (encoded) storedHeaders.delete('content-length')
  for (const name of input.withoutFields) storedHeaders.delete(name)
  const meta: EntryMeta = {
    v: 1,
    kind: 'entry',
    status: res.status,
    statusText: res.statusText,
    headers: headerList(storedHeaders),
    requestTime: input.requestTime,
    responseTime: input.responseTime,
    storedAt: input.responseTime,
    url: input.url,
    tags: input.tags,
  }
  let clientBody: ReadableStream<Uint8Array> | null = null
  let checked: Checked | undefined
  if (res.body) {
    const [forClient, forStore] = res.body.tee()
    clientBody = forClient
    checked = checkWhole(forStore, length, MAX_EDGE_BYTES, input.memory?.fits(length) ? input.memory.limits.maxEntryBytes : 0)
  }
  const response = new Response(clientBody, { status: res.status, statusText: res.statusText, headers: res.headers })
  const stored = store(input, meta, checked, length)
  return { response, stored }
}

async function store(input: FillInput, meta: EntryMeta, checked: Checked | undefined, length: number | undefined): Promise<void> {
  const body = checked?.stream ?? null
  const names = varyNames(input.response.headers)
  const primaryId = await idOf(input.primaryKey)
  const entryId = names.length === 0 ? primaryId : await idOf(`${input.primaryKey}\n#${varyKey(names, input.request)}`)
  const marker: VaryMarker | undefined = names.length === 0 ? undefined : { v: 1, kind: 'vary', vary: names, storedAt: meta.storedAt, url: meta.url, since: await variantsSince(input, primaryId, names, meta.storedAt) }
  const toKv = input.kv !== undefined && input.kvMaxBytes !== undefined && (body === null || (length !== undefined && length <= input.kvMaxBytes))
  // KV needs the bytes in hand; a body small enough for it is read once and given to both tiers.
  const bytes = toKv && body ? await new Response(body).arrayBuffer() : undefined
  const edgeBody = bytes ?? body
  const ttl = input.storageTtlSeconds
  // A put may settle without an error though the body broke off, keeping what arrived (Miniflare's
  // Cache API does): unless the body was read whole, the entry is deleted again.
  const edgePut = input.edge
    .put(entryId, input.host, meta, edgeBody, ttl)
    .then(() => {
      if (checked && !bytes && !checked.isWhole()) throw new Error('body did not arrive whole')
      // The same check gates the memory copy: bytes() is undefined unless the body ended whole.
      const whole = checked ? checked.bytes() : null
      if (whole !== undefined) input.memory?.keep(entryId, input.host, meta, whole, ttl)
    })
    .catch(async (err: unknown) => {
      await checked?.stream.cancel().catch(() => {})
      await input.edge.delete(entryId, input.host).catch(() => {})
      throw err
    })
  await Promise.all([
    edgePut,
    marker ? input.edge.put(primaryId, input.host, marker, null, ttl).then(() => input.memory?.keep(primaryId, input.host, marker, null, ttl)) : undefined,
    toKv && input.kv ? input.kv.put(entryId, input.host, meta, bytes ?? null, ttl) : undefined,
    toKv && input.kv && marker ? input.kv.put(primaryId, input.host, marker, null, ttl) : undefined,
  ])
}

/**
 * The `since` of the resource's Vary marker: the stored marker's when it names the same headers
 * (the other variants stay valid), otherwise now (a marker deleted by an invalidation leaves the
 * variants stored before it unreachable).
 */
async function variantsSince(input: FillInput, primaryId: string, names: readonly string[], now: number): Promise<number> {
  const existing = await input.edge.get(primaryId, input.host).catch(() => undefined)
  await existing?.body?.cancel()
  const m = existing?.meta
  return m?.kind === 'vary' && m.vary.join('\n') === names.join('\n') ? (m.since ?? m.storedAt) : now
}

interface Checked {
  stream: ReadableStream<Uint8Array>
  /** True once the body ended cleanly, at its declared length and within the limit. */
  isWhole(): boolean
  /** The body's bytes once it ended whole, if it was no larger than the bytes asked to be kept. */
  bytes(): Uint8Array | undefined
}

/**
 * `body` for storage, errored when it breaks off, does not match its declared length or exceeds
 * `max` bytes, and saying whether it was read to a clean end. Up to `keepBytes` of it are copied
 * aside as they pass (for memory); a longer body keeps none.
 */
function checkWhole(body: ReadableStream<Uint8Array>, declared: number | undefined, max: number, keepBytes: number): Checked {
  const reader = body.getReader()
  let seen = 0
  let whole = false
  // Copies, not the chunks themselves: the client's branch of the tee hands on the same chunks.
  let kept: Uint8Array[] | undefined = keepBytes > 0 ? [] : undefined
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await reader.read()
      } catch (err) {
        controller.error(err)
        return
      }
      if (next.done) {
        if (declared !== undefined && seen !== declared) controller.error(new Error(`body ended after ${seen} of ${declared} bytes`))
        else {
          whole = true
          controller.close()
        }
        return
      }
      seen += next.value.byteLength
      if (seen > max || (declared !== undefined && seen > declared)) {
        controller.error(new Error('body too large to store'))
        await reader.cancel().catch(() => {})
        return
      }
      if (kept && seen <= keepBytes) kept.push(next.value.slice())
      else kept = undefined
      controller.enqueue(next.value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return { stream, isWhole: () => whole, bytes: () => (whole && kept ? concatBytes(kept, seen) : undefined) }
}
