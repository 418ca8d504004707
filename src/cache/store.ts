// Where cached responses live: the Cache API of the local colo (every caching route) and, for
// routes that opt in, Workers KV as a global tier; the isolate's memory in front of both is
// memory.ts. A resource with Vary stores a small marker at its primary key naming the Vary headers,
// and each variant under primary key + header values. The stored object keeps the original status
// and headers in metadata; the platform only sees a 200 with a storage lifetime, so it neither
// rewrites nor revalidates it on its own.
import { sha256Hex } from '../http/digest.ts'

/** What is kept with a stored response. */
export interface EntryMeta {
  v: 1
  kind: 'entry'
  status: number
  statusText: string
  headers: Array<[string, string]>
  requestTime: number
  responseTime: number
  storedAt: number
  /** The public URL, for purge by prefix. */
  url: string
  /** Cache-Tag / Surrogate-Key values, for purge by tag. */
  tags: string[]
}

export interface VaryMarker {
  v: 1
  kind: 'vary'
  vary: string[]
  storedAt: number
  url: string
  /**
   * When this resource's variants began: a variant stored earlier belongs to a resource since
   * invalidated (its marker deleted), and is not served. Kept when the marker is written again.
   */
  since?: number
}

export type Meta = EntryMeta | VaryMarker

export interface Stored {
  meta: Meta
  /** The body (entries only); null for a marker or an empty body. */
  body: ReadableStream<Uint8Array> | null
  /** Body size when known. */
  size: number | undefined
}

export interface Tier {
  readonly name: 'memory' | 'edge' | 'kv'
  get(id: string, host: string): Promise<Stored | undefined>
  put(id: string, host: string, meta: Meta, body: ReadableStream<Uint8Array> | ArrayBuffer | null, ttlSeconds: number): Promise<void>
  delete(id: string, host: string): Promise<void>
}

const META_HEADER = 'x-portico-meta'
/** Path prefix of stored objects, apart from the zone's own CDN cache entries for real URLs. */
const STORE_PATH = '/__portico_cache/'

/** A stable, URL-safe id for a key (SHA-256, hex). Hot keys recur: recent ids are remembered. */
export async function idOf(key: string): Promise<string> {
  const known = recentIds.get(key)
  if (known !== undefined) return known
  const id = await sha256Hex(key)
  if (key.length > RECENT_KEY_MAX_CHARS) return id
  if (recentIds.size >= RECENT_IDS_MAX) recentIds.clear()
  recentIds.set(key, id)
  return id
}

/** At most 2,048 keys of up to 512 characters (about 2 MiB): longer keys are hashed each time. */
const RECENT_IDS_MAX = 2048
const RECENT_KEY_MAX_CHARS = 512
const recentIds = new Map<string, string>()

/** The local colo's Cache API. */
export class EdgeTier implements Tier {
  readonly name = 'edge' as const
  readonly #cache: Cache

  constructor(cache: Cache) {
    this.#cache = cache
  }

  #request(id: string, host: string): Request {
    return new Request(`https://${host}${STORE_PATH}${id}`)
  }

  async get(id: string, host: string): Promise<Stored | undefined> {
    const res = await this.#cache.match(this.#request(id, host))
    if (!res) return undefined
    const meta = decodeMeta(res.headers.get(META_HEADER))
    if (!meta) {
      await res.body?.cancel()
      return undefined
    }
    const length = res.headers.get('content-length')
    return { meta, body: res.body, size: length === null ? undefined : Number(length) }
  }

  async put(id: string, host: string, meta: Meta, body: ReadableStream<Uint8Array> | ArrayBuffer | null, ttlSeconds: number): Promise<void> {
    const headers = new Headers({ 'cache-control': `public, max-age=${Math.max(1, Math.ceil(ttlSeconds))}`, [META_HEADER]: encodeMeta(meta) })
    await this.#cache.put(this.#request(id, host), new Response(body, { status: 200, headers }))
  }

  async delete(id: string, host: string): Promise<void> {
    await this.#cache.delete(this.#request(id, host))
  }
}

/** KV: the global tier. Value = 4-byte metadata length, metadata JSON, body. */
export class KvTier implements Tier {
  readonly name = 'kv' as const
  readonly #kv: KVNamespace

  constructor(kv: KVNamespace) {
    this.#kv = kv
  }

  async get(id: string): Promise<Stored | undefined> {
    const value = await this.#kv.get(`cache:${id}`, 'arrayBuffer')
    if (!value || value.byteLength < 4) return undefined
    const metaLength = new DataView(value).getUint32(0)
    const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(value, 4, metaLength))) as Meta
    const body = new Uint8Array(value, 4 + metaLength)
    return { meta, body: body.byteLength ? new Blob([body]).stream() : null, size: body.byteLength }
  }

  async put(id: string, _host: string, meta: Meta, body: ReadableStream<Uint8Array> | ArrayBuffer | null, ttlSeconds: number): Promise<void> {
    const bytes = body === null ? new ArrayBuffer(0) : body instanceof ArrayBuffer ? body : await new Response(body).arrayBuffer()
    const metaBytes = new TextEncoder().encode(JSON.stringify(meta))
    const value = new Uint8Array(4 + metaBytes.byteLength + bytes.byteLength)
    new DataView(value.buffer).setUint32(0, metaBytes.byteLength)
    value.set(metaBytes, 4)
    value.set(new Uint8Array(bytes), 4 + metaBytes.byteLength)
    // KV's shortest expiration is 60 s.
    await this.#kv.put(`cache:${id}`, value, { expirationTtl: Math.max(60, Math.ceil(ttlSeconds)) })
  }

  async delete(id: string): Promise<void> {
    await this.#kv.delete(`cache:${id}`)
  }
}

function encodeMeta(meta: Meta): string {
  return encodeURIComponent(JSON.stringify(meta))
}

function decodeMeta(value: string | null): Meta | undefined {
  if (value === null) return undefined
  try {
    const meta = JSON.parse(decodeURIComponent(value)) as Meta
    return meta.v === 1 ? meta : undefined
  } catch {
    return undefined
  }
}

/** The response headers of a stored entry. */
export function entryHeaders(meta: EntryMeta): Headers {
  const h = new Headers()
  for (const [k, v] of meta.headers) h.append(k, v)
  return h
}

export function headerList(headers: Headers): Array<[string, string]> {
  const list: Array<[string, string]> = []
  for (const [k, v] of headers) if (k !== 'set-cookie') list.push([k, v])
  for (const c of headers.getSetCookie()) list.push(['set-cookie', c])
  return list
}
