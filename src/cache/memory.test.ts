import { describe, expect, it } from 'vitest'
import { MemoryLru, MemoryTier, readWhole } from './memory.ts'
import type { EntryMeta, VaryMarker } from './store.ts'

const HOST = 'www.example.com'
const FOREVER = Number.MAX_SAFE_INTEGER

function meta(name: string, extra: Partial<EntryMeta> = {}): EntryMeta {
  // Names of one length: every entry of a test costs the same.
  return { v: 1, kind: 'entry', status: 200, statusText: 'OK', headers: [['content-type', 'text/plain']], requestTime: 0, responseTime: 0, storedAt: 0, url: `https://${HOST}/${name}`, tags: [], ...extra }
}
const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill)

/** What an entry named like the tests' ("a") with a body of `n` bytes costs in an LRU. */
function costOf(n: number): number {
  const lru = new MemoryLru(FOREVER)
  lru.set('a', HOST, meta('a'), bytes(n), FOREVER)
  return lru.usedBytes
}

const ids = (lru: MemoryLru, names: string[], now = 0) => names.filter((n) => lru.get(n, HOST, now) !== undefined)

describe('MemoryLru', () => {
  it('counts the body and a share for the headers against the budget', () => {
    expect(costOf(1000)).toBeGreaterThan(1000)
    expect(costOf(2000) - costOf(1000)).toBe(1000)
    const lru = new MemoryLru(FOREVER)
    lru.set('a', HOST, meta('a', { headers: [['x-long', 'y'.repeat(500)]] }), bytes(1000), FOREVER)
    expect(lru.usedBytes).toBeGreaterThan(costOf(1000) + 500)
  })

  it('evicts the least recently used entry when the byte budget is full', () => {
    const lru = new MemoryLru(3 * costOf(1000))
    for (const n of ['a', 'b', 'c']) lru.set(n, HOST, meta(n), bytes(1000), FOREVER)
    lru.get('a', HOST, 0) // a is now the most recently used: b is the least
    lru.set('d', HOST, meta('d'), bytes(1000), FOREVER)
    expect(ids(lru, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd'])
    expect(lru.usedBytes).toBe(3 * costOf(1000))
  })

  it('evicts as many old entries as a large new one needs, oldest first', () => {
    const lru = new MemoryLru(3 * costOf(1000))
    for (const n of ['a', 'b', 'c']) lru.set(n, HOST, meta(n), bytes(1000), FOREVER)
    expect(lru.set('d', HOST, meta('d'), bytes(2000), FOREVER)).toBe(true)
    expect(ids(lru, ['a', 'b', 'c', 'd'])).toEqual(['c', 'd'])
    expect(lru.usedBytes).toBeLessThanOrEqual(lru.budgetBytes)
  })

  it('refuses an entry larger than the whole budget and keeps what it has', () => {
    const lru = new MemoryLru(2 * costOf(1000))
    lru.set('a', HOST, meta('a'), bytes(1000), FOREVER)
    expect(lru.set('b', HOST, meta('b'), bytes(3000), FOREVER)).toBe(false)
    expect(ids(lru, ['a', 'b'])).toEqual(['a'])
  })

  it('counts a replaced entry once', () => {
    const lru = new MemoryLru(FOREVER)
    lru.set('a', HOST, meta('a'), bytes(1000), FOREVER)
    lru.set('a', HOST, meta('a'), bytes(2000, 2), FOREVER)
    expect(lru.usedBytes).toBe(costOf(2000))
    expect(lru.get('a', HOST, 0)?.body).toEqual(bytes(2000, 2))
  })

  it('serves an entry until its hold ends, then forgets it and its bytes', () => {
    const lru = new MemoryLru(FOREVER)
    lru.set('a', HOST, meta('a'), bytes(10), 30_000)
    expect(lru.get('a', HOST, 29_999)).toBeDefined()
    expect(lru.get('a', HOST, 30_000)).toBeUndefined()
    expect(lru.usedBytes).toBe(0)
    expect(lru.get('a', HOST, 0), 'gone, not only hidden').toBeUndefined()
  })

  it('deletes an entry and frees its bytes', () => {
    const lru = new MemoryLru(FOREVER)
    lru.set('a', HOST, meta('a'), bytes(10), FOREVER)
    lru.set('b', HOST, meta('b'), bytes(10), FOREVER)
    lru.delete('a', HOST)
    lru.delete('missing', HOST)
    expect(ids(lru, ['a', 'b'])).toEqual(['b'])
    expect(lru.usedBytes).toBe(costOf(10))
  })

  it('keeps the same id on two hosts apart', () => {
    const lru = new MemoryLru(FOREVER)
    lru.set('a', HOST, meta('a'), bytes(1, 1), FOREVER)
    lru.set('a', 'other.example.com', meta('a'), bytes(1, 2), FOREVER)
    lru.delete('a', 'other.example.com')
    expect(lru.get('a', HOST, 0)?.body).toEqual(bytes(1, 1))
    expect(lru.get('a', 'other.example.com', 0)).toBeUndefined()
  })

  it('drops the entries a purge covers, Vary markers included', () => {
    const lru = new MemoryLru(FOREVER)
    const marker: VaryMarker = { v: 1, kind: 'vary', vary: ['x-lang'], storedAt: 0, url: `https://${HOST}/img/v` }
    lru.set('a', HOST, meta('img/a'), bytes(10), FOREVER)
    lru.set('b', HOST, meta('txt/b'), bytes(10), FOREVER)
    lru.set('v', HOST, marker, new Uint8Array(0), FOREVER)
    expect(lru.dropWhere((m) => m.url.startsWith(`https://${HOST}/img/`))).toBe(2)
    expect(ids(lru, ['a', 'b', 'v'])).toEqual(['b'])
    const alone = new MemoryLru(FOREVER)
    alone.set('b', HOST, meta('txt/b'), bytes(10), FOREVER)
    expect(lru.usedBytes).toBe(alone.usedBytes)
  })
})

describe('MemoryTier', () => {
  const limits = { maxEntryBytes: 100, holdSeconds: 30 }

  it('keeps a body up to maxEntryBytes and not a byte more', async () => {
    const tier = new MemoryTier(new MemoryLru(FOREVER), limits, () => 0)
    expect(tier.keep('at', HOST, meta('at'), bytes(100))).toBe(true)
    expect(tier.keep('over', HOST, meta('over'), bytes(101))).toBe(false)
    expect(await tier.get('at', HOST)).toMatchObject({ size: 100 })
    expect(await tier.get('over', HOST)).toBeUndefined()
  })

  it('serves for holdSeconds from when it was kept, by its clock', async () => {
    let now = 1_000
    const tier = new MemoryTier(new MemoryLru(FOREVER), limits, () => now)
    tier.keep('a', HOST, meta('a'), bytes(1))
    now += 29_999
    expect(await tier.get('a', HOST)).toBeDefined()
    now += 1
    expect(await tier.get('a', HOST)).toBeUndefined()
  })

  it('holds no longer than the storage lifetime when that is shorter', async () => {
    let now = 0
    const tier = new MemoryTier(new MemoryLru(FOREVER), limits, () => now)
    tier.keep('a', HOST, meta('a'), bytes(1), 10)
    now = 10_000
    expect(await tier.get('a', HOST)).toBeUndefined()
  })

  it('gives a new stream over the kept bytes on every get, which readers cannot change', async () => {
    const tier = new MemoryTier(new MemoryLru(FOREVER), limits, () => 0)
    tier.keep('a', HOST, meta('a'), new TextEncoder().encode('kept body'))
    const first = await tier.get('a', HOST)
    const read = new Uint8Array(await new Response(first?.body).arrayBuffer())
    read.fill(0)
    const second = await tier.get('a', HOST)
    expect(await new Response(second?.body).text()).toBe('kept body')
    expect(second?.meta).toEqual(meta('a'))
  })

  it('keeps a streamed body only when it ends whole within the limit', async () => {
    const tier = new MemoryTier(new MemoryLru(FOREVER), limits, () => 0)
    await tier.put('whole', HOST, meta('whole'), streamOf([bytes(50), bytes(50)]), 60)
    await tier.put('long', HOST, meta('long'), streamOf([bytes(50), bytes(51)]), 60)
    await tier.put('broken', HOST, meta('broken'), streamOf([bytes(10)], new Error('connection reset')), 60)
    expect(await tier.get('whole', HOST)).toMatchObject({ size: 100 })
    expect(await tier.get('long', HOST)).toBeUndefined()
    expect(await tier.get('broken', HOST)).toBeUndefined()
  })

  it('forgets an entry on delete', async () => {
    const tier = new MemoryTier(new MemoryLru(FOREVER), limits, () => 0)
    tier.keep('a', HOST, meta('a'), bytes(1))
    await tier.delete('a', HOST)
    expect(await tier.get('a', HOST)).toBeUndefined()
  })
})

describe('readWhole', () => {
  it('reads a body that ends at the size it was said to have', async () => {
    expect(await readWhole(streamOf([bytes(3), bytes(2)]), 100, 5)).toEqual(bytes(5))
  })

  it('gives nothing for a body shorter or longer than said', async () => {
    expect(await readWhole(streamOf([bytes(3)]), 100, 5)).toBeUndefined()
    expect(await readWhole(streamOf([bytes(6)]), 100, 5)).toBeUndefined()
  })
})

/** A stream of these chunks, then its end or this error. */
function streamOf(chunks: Uint8Array[], error?: Error): ReadableStream<Uint8Array> {
  const queue = [...chunks]
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift()
      if (next) controller.enqueue(next)
      else if (error) controller.error(error)
      else controller.close()
    },
  })
}
