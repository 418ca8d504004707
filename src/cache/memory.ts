// The memory tier: small stored responses (and Vary markers) kept as bytes in this isolate, in
// front of the colo's Cache API, so a hit needs no I/O. One byte-bounded LRU per isolate, shared by
// every route; each route says how large an entry it keeps and how long one is served (its hold).
// The hold bounds what memory cannot know: another isolate's invalidation, or the Cache API entry
// deleted, reaches this isolate only when its hold ends and the lookup falls through to the Cache
// API again. Freshness, purges and what to serve are decided by the caller on the entry's own meta,
// exactly as for the other tiers. Time comes in as an argument (or the tier's clock).
import { concatBytes } from '../http/bytes.ts'
import { readUpTo, type Prefix } from '../http/read.ts'
import type { Meta, Stored, Tier } from './store.ts'

/**
 * What one isolate keeps in memory, bodies and a rough size of their headers: an eighth of the
 * 128 MB a Workers isolate may use, so requests in flight keep the rest.
 */
export const MEMORY_BUDGET_BYTES = 16 * 1024 * 1024
/** The objects around an entry beyond its text (map slot, arrays, numbers), roughly. */
const ENTRY_OVERHEAD_BYTES = 256
const NO_BYTES = new Uint8Array(0)

export interface MemoryLimits {
  /** Largest body kept; a larger one stays in the Cache API (and KV) only. */
  maxEntryBytes: number
  /** How long an entry is served after it was put or promoted, before the lookup asks the Cache API again. */
  holdSeconds: number
}

export interface Kept {
  meta: Meta
  body: Uint8Array
}

interface Slot extends Kept {
  heldUntil: number
  cost: number
}

/** Entries by id and host, least recently used first, within a budget of bytes. */
export class MemoryLru {
  readonly budgetBytes: number
  // A Map iterates in insertion order: an entry used is moved to the end, so the first is the least recent.
  readonly #slots = new Map<string, Slot>()
  #usedBytes = 0

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  /** The entry while its hold lasts (an entry past it is dropped); it becomes the most recently used. */
  get(id: string, host: string, now: number): Kept | undefined {
    const key = keyOf(id, host)
    const slot = this.#slots.get(key)
    if (!slot) return undefined
    this.#slots.delete(key)
    if (now >= slot.heldUntil) {
      this.#usedBytes -= slot.cost
      return undefined
    }
    this.#slots.set(key, slot)
    return slot
  }

  /** Keep an entry until `heldUntil`, evicting the least recently used to make room. False when it alone exceeds the budget. */
  set(id: string, host: string, meta: Meta, body: Uint8Array, heldUntil: number): boolean {
    this.delete(id, host)
    const cost = body.byteLength + metaCost(meta)
    if (cost > this.budgetBytes) return false
    for (const [key, oldest] of this.#slots) {
      if (this.#usedBytes + cost <= this.budgetBytes) break
      this.#slots.delete(key)
      this.#usedBytes -= oldest.cost
    }
    this.#slots.set(keyOf(id, host), { meta, body, heldUntil, cost })
    this.#usedBytes += cost
    return true
  }

  delete(id: string, host: string): void {
    const key = keyOf(id, host)
    const slot = this.#slots.get(key)
    if (!slot) return
    this.#slots.delete(key)
    this.#usedBytes -= slot.cost
  }

  /** Drop every entry whose meta passes `test` (a purge); how many were dropped. */
  dropWhere(test: (meta: Meta) => boolean): number {
    let dropped = 0
    for (const [key, slot] of this.#slots) {
      if (!test(slot.meta)) continue
      this.#slots.delete(key)
      this.#usedBytes -= slot.cost
      dropped++
    }
    return dropped
  }
}

/** A route's view of the isolate's LRU: its limits, and the clock that starts and ends holds. */
export class MemoryTier implements Tier {
  readonly name = 'memory' as const
  readonly lru: MemoryLru
  readonly limits: MemoryLimits
  readonly #now: () => number

  constructor(lru: MemoryLru, limits: MemoryLimits, now: () => number) {
    this.lru = lru
    this.limits = limits
    this.#now = now
  }

  /** Whether a body of this size (undefined: not known yet) may be kept. */
  fits(size: number | undefined): boolean {
    return size === undefined || size <= this.limits.maxEntryBytes
  }

  async get(id: string, host: string): Promise<Stored | undefined> {
    const kept = this.lru.get(id, host, this.#now())
    if (!kept) return undefined
    // A new stream over a copy each time: whoever reads it cannot change the kept bytes.
    return { meta: kept.meta, body: kept.body.byteLength ? new Response(kept.body).body : null, size: kept.body.byteLength }
  }

  /** Keep a body already read whole (null: none), for the hold or `ttlSeconds` if shorter. False when it is not kept. */
  keep(id: string, host: string, meta: Meta, body: Uint8Array | null, ttlSeconds = Infinity): boolean {
    const bytes = body ?? NO_BYTES
    if (bytes.byteLength > this.limits.maxEntryBytes) return false
    return this.lru.set(id, host, meta, bytes, this.#now() + Math.min(this.limits.holdSeconds, ttlSeconds) * 1000)
  }

  /** Keeps a stream's body only when it ends cleanly within the limit; never fails. */
  async put(id: string, host: string, meta: Meta, body: ReadableStream<Uint8Array> | ArrayBuffer | null, ttlSeconds: number): Promise<void> {
    const bytes = body === null ? null : body instanceof ArrayBuffer ? new Uint8Array(body.slice(0)) : await readWhole(body, this.limits.maxEntryBytes)
    if (bytes !== undefined) this.keep(id, host, meta, bytes, ttlSeconds)
  }

  async delete(id: string, host: string): Promise<void> {
    this.lru.delete(id, host)
  }
}

/**
 * The bytes of `body` when it ends cleanly within `maxBytes` (and at `expectedBytes`, when known);
 * otherwise undefined, and the stream is cancelled. The chunks are copied as they come: the other
 * branch of a tee may hand the same chunks on.
 */
export async function readWhole(body: ReadableStream<Uint8Array>, maxBytes: number, expectedBytes?: number): Promise<Uint8Array | undefined> {
  let prefix: Prefix
  try {
    prefix = await readUpTo(body, Math.min(maxBytes, expectedBytes ?? maxBytes), true)
  } catch {
    return undefined
  }
  if (!prefix.ended) {
    await prefix.reader.cancel().catch(() => {})
    return undefined
  }
  if (expectedBytes !== undefined && prefix.size !== expectedBytes) return undefined
  return concatBytes(prefix.chunks, prefix.size)
}

function keyOf(id: string, host: string): string {
  return `${host} ${id}`
}

/** A rough size of what an entry holds besides its body: its text at two bytes a character, and overhead. */
function metaCost(meta: Meta): number {
  let chars = meta.url.length
  if (meta.kind === 'entry') {
    chars += meta.statusText.length
    for (const [k, v] of meta.headers) chars += k.length + v.length
    for (const t of meta.tags) chars += t.length
  } else {
    for (const name of meta.vary) chars += name.length
  }
  return ENTRY_OVERHEAD_BYTES + 2 * chars
}
