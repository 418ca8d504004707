// Storing an origin's response while it streams to the client: the body is teed, one branch to
// the client, one to storage. The storage branch is checked on the way: a body shorter or longer
// than its Content-Length, one the origin broke off, or one over the size limit errors that branch,
// so the put fails and nothing partial is ever stored.
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
  let storeBody: ReadableStream<Uint8Array> | null = null
  if (res.body) {
    ;[clientBody, storeBody] = res.body.tee()
    storeBody = storeBody.pipeThrough(checkLength(length, MAX_EDGE_BYTES))
  }
  const response = new Response(clientBody, { status: res.status, statusText: res.statusText, headers: res.headers })
  const stored = store(input, meta, storeBody, length)
  return { response, stored }
}

async function store(input: FillInput, meta: EntryMeta, body: ReadableStream<Uint8Array> | null, length: number | undefined): Promise<void> {
  const names = varyNames(input.response.headers)
  const primaryId = await idOf(input.primaryKey)
  const entryId = names.length === 0 ? primaryId : await idOf(`${input.primaryKey}\n#${varyKey(names, input.request)}`)
  const marker: VaryMarker | undefined = names.length === 0 ? undefined : { v: 1, kind: 'vary', vary: names, storedAt: meta.storedAt, url: meta.url }
  const toKv = input.kv !== undefined && input.kvMaxBytes !== undefined && (body === null || (length !== undefined && length <= input.kvMaxBytes))
  // KV needs the bytes in hand; a body small enough for it is read once and given to both tiers.
  const bytes = toKv && body ? await new Response(body).arrayBuffer() : undefined
  const edgeBody = bytes ?? body
  const ttl = input.storageTtlSeconds
  await Promise.all([
    input.edge.put(entryId, input.host, meta, edgeBody, ttl),
    marker ? input.edge.put(primaryId, input.host, marker, null, ttl) : undefined,
    toKv && input.kv ? input.kv.put(entryId, input.host, meta, bytes ?? null, ttl) : undefined,
    toKv && input.kv && marker ? input.kv.put(primaryId, input.host, marker, null, ttl) : undefined,
  ])
}

/** Errors the stream when it does not match its declared length or exceeds `max` bytes. */
function checkLength(declared: number | undefined, max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength
      if (seen > max || (declared !== undefined && seen > declared)) controller.error(new Error('body too large to store'))
      else controller.enqueue(chunk)
    },
    flush(controller) {
      if (declared !== undefined && seen !== declared) controller.error(new Error(`body ended after ${seen} of ${declared} bytes`))
    },
  })
}
