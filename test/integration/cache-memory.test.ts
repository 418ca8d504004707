/// <reference types="@cloudflare/vitest-plugin/types" />
// The memory tier in workerd, in front of the real Cache API: small responses are answered from the
// isolate's memory (shown by deleting the Cache API entry behind Portico's back and still getting a
// hit), for the hold only, never partial or over the size limit, and dropped by invalidation and
// purge. Holds are made 1 s where a test must outlast one.
import { describe, expect, it } from 'vitest'
import { cacheKey, idOf } from '../../src/cache/index.ts'
import { DEFAULT_KEY_POLICY } from '../../src/cache/key.ts'
import { cachingEnv, fetchThrough, originSaw, resource, sleep, type Answer } from './cache-harness.ts'

const FRESH = 'Cache-Control: max-age=3600'
const TOKEN = 'memory-test-token-0123456789'
const HIT = /^Portico; hit; ttl=(3600|3599)$/
/** A hit a second or more after the response was stored. */
const LATER_HIT = /^Portico; hit; ttl=35\d\d$/

const tagOf = (url: string) => (new URL(url).searchParams.getAll('h').find((h) => h.startsWith('Cache-Tag: ')) ?? '').slice('Cache-Tag: '.length)

/** Delete a URL's entry from the colo's Cache API as something other than Portico would; true if it was there. */
async function deleteFromColo(url: string): Promise<boolean> {
  const u = new URL(url)
  const id = await idOf(cacheKey(u, new Headers(), DEFAULT_KEY_POLICY))
  return await caches.default.delete(`https://${u.host}/__portico_cache/${id}`)
}

describe('the memory tier', () => {
  it('answers a repeat request from memory, as an edge hit would look, when the Cache API entry is gone', async () => {
    const env = cachingEnv()
    const { url, path } = resource('memory-hit', { h: [FRESH, 'ETag: "m1"'], body: 'kept in memory' })
    const first = await fetchThrough(url, env)
    const fromColo = await fetchThrough(url, env)
    expect(await deleteFromColo(url), 'the colo cache had it').toBe(true)
    const fromMemory = await fetchThrough(url, env)
    expect(fromMemory.status).toBe(200)
    expect(fromMemory.body).toBe('kept in memory')
    expect(fromMemory.cacheStatus).toMatch(HIT)
    for (const name of ['etag', 'content-type', 'cache-control', 'content-length', 'accept-ranges']) expect(fromMemory.headers.get(name), name).toBe(fromColo.headers.get(name))
    expect(Number(fromMemory.headers.get('age'))).toBeLessThanOrEqual(1)
    // Read again: every hit gets the whole body.
    expect((await fetchThrough(url, env)).body).toBe(first.body)
    expect((await fetchThrough(url, env, { headers: { range: 'bytes=8-13' } })).body).toBe('memory')
    expect((await originSaw(path)).count).toBe(1)
  })

  it('stops answering from memory when the hold ends, and asks the Cache API again', async () => {
    const env = cachingEnv({ memory: { holdSeconds: 1 } })
    const { url, path } = resource('memory-hold', { h: FRESH })
    await fetchThrough(url, env)
    expect(await deleteFromColo(url)).toBe(true)
    expect((await fetchThrough(url, env)).cacheStatus, 'within the hold').toMatch(HIT)
    await sleep(1_100)
    expect((await fetchThrough(url, env)).cacheStatus, 'after the hold').toBe('Portico; fwd=uri-miss; fwd-status=200; stored')
    expect((await originSaw(path)).count).toBe(2)
  })

  it('copies a Cache API hit back into memory for another hold', async () => {
    const env = cachingEnv({ memory: { holdSeconds: 1 } })
    const { url, path } = resource('memory-promote', { h: FRESH, body: 'promoted' })
    await fetchThrough(url, env)
    await sleep(1_100)
    expect((await fetchThrough(url, env)).cacheStatus, 'from the Cache API').toMatch(LATER_HIT)
    expect(await deleteFromColo(url)).toBe(true)
    const fromMemory = await fetchThrough(url, env)
    expect(fromMemory.cacheStatus).toMatch(LATER_HIT)
    expect(fromMemory.body).toBe('promoted')
    expect((await originSaw(path)).count).toBe(1)
  })

  it('copies a KV hit into memory too', async () => {
    const env = cachingEnv({ kv: true, memory: { holdSeconds: 1 } })
    const { url, path } = resource('memory-kv', { h: FRESH, body: 'from KV' })
    await fetchThrough(url, env)
    await sleep(1_100)
    expect(await deleteFromColo(url)).toBe(true)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/^Portico; hit; ttl=\d+; detail=kv$/)
    // The KV hit also went back to the colo cache: delete it there again.
    expect(await deleteFromColo(url)).toBe(true)
    const fromMemory = await fetchThrough(url, env)
    expect(fromMemory.cacheStatus).toMatch(LATER_HIT)
    expect(fromMemory.body).toBe('from KV')
    expect((await originSaw(path)).count).toBe(1)
  })

  it('follows a Vary marker kept in memory to the variant kept there', async () => {
    const env = cachingEnv()
    const { url, path } = resource('memory-vary', { h: [FRESH, 'Vary: X-Lang'], body: 'variant #{n}' })
    await fetchThrough(url, env, { headers: { 'x-lang': 'en' } })
    await fetchThrough(url, env, { headers: { 'x-lang': 'de' } })
    expect(await deleteFromColo(url), 'the marker was in the colo cache').toBe(true)
    expect((await fetchThrough(url, env, { headers: { 'x-lang': 'de' } })).body).toBe('variant #2')
    expect((await fetchThrough(url, env, { headers: { 'x-lang': 'en' } })).body).toBe('variant #1')
    expect((await originSaw(path)).count).toBe(2)
  })

  it('keeps the headers a 304 freshened, in memory as in the Cache API', async () => {
    const env = cachingEnv()
    const { url, path } = resource('memory-304', { h: 'Cache-Control: max-age=60', full: ['Age: 100', 'X-Version: 1'], nm: 'X-Version: 2', etag: '"r1"', body: 'same body' })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/^Portico; fwd=stale; fwd-status=304; /)
    expect(await deleteFromColo(url), 'stored again in the colo cache').toBe(true)
    const fromMemory = await fetchThrough(url, env)
    expect(fromMemory.cacheStatus).toMatch(/^Portico; hit; ttl=(60|59)$/)
    expect(fromMemory.headers.get('x-version')).toBe('2')
    expect(fromMemory.body).toBe('same body')
    expect((await originSaw(path)).count).toBe(2)
  })

  it('is turned off for a route with memory: false', async () => {
    const env = cachingEnv({ memory: false })
    const { url, path } = resource('memory-off', { h: FRESH })
    await fetchThrough(url, env)
    expect((await fetchThrough(url, env)).cacheStatus, 'the Cache API still serves').toMatch(HIT)
    expect(await deleteFromColo(url)).toBe(true)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await originSaw(path)).count).toBe(2)
  })
})

describe('what memory does not keep', () => {
  it.each([
    ['with a Content-Length', {}],
    ['sent chunked', { chunked: '1' }],
  ])('keeps a body over maxEntryBytes (%s) in the Cache API only', async (_how, query) => {
    const env = cachingEnv({ memory: { maxEntryBytes: 1024 } })
    const large = resource('memory-large', { h: FRESH, body: 'x'.repeat(1025), ...query })
    const small = resource('memory-small', { h: FRESH, body: 'x'.repeat(1024), ...query })
    for (const r of [large, small]) {
      await fetchThrough(r.url, env)
      const hit = await fetchThrough(r.url, env)
      expect(hit.cacheStatus, r.path).toMatch(HIT)
      expect(hit.body).toHaveLength(r === large ? 1025 : 1024)
      expect(await deleteFromColo(r.url)).toBe(true)
    }
    expect((await fetchThrough(small.url, env)).cacheStatus).toMatch(HIT)
    expect((await fetchThrough(large.url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await originSaw(large.path)).count).toBe(2)
  })

  it('never keeps a body the origin broke off, even one the size limit would allow', async () => {
    // The origin promises 100000 bytes (or sends chunked), sends a few and drops the connection.
    const env = cachingEnv({ edgeTtlSeconds: 3600, memory: { maxEntryBytes: 1024 * 1024 } })
    const settle = (p: Promise<Answer>) => p.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))
    for (const query of ['', '&chunked=1']) {
      const url = `https://www.example.com/truncated?id=${resource('memory-truncated').path.slice('/cached/'.length)}${query}`
      expect(await settle(fetchThrough(url, env))).toBeInstanceOf(Error)
      const again = await settle(fetchThrough(url, env))
      expect(again, `went to the origin again${query}`).toBeInstanceOf(Error)
    }
  })
})

describe('invalidation and purge reach memory', () => {
  it('drops the memory copy after a successful POST, and the Location target\'s', async () => {
    const env = cachingEnv()
    const target = resource('memory-post-target', { h: FRESH })
    // A relative Location, path and query: the same host.
    const form = resource('memory-post', { h: [FRESH, `Location: ${target.url.slice('https://www.example.com'.length)}`] })
    for (const r of [target, form]) {
      await fetchThrough(r.url, env)
      expect(await deleteFromColo(r.url)).toBe(true)
      expect((await fetchThrough(r.url, env)).cacheStatus, 'only memory has it').toMatch(HIT)
    }
    expect((await fetchThrough(form.url, env, { method: 'POST', body: 'x' })).status).toBe(200)
    expect((await fetchThrough(form.url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await fetchThrough(target.url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
  })

  it.each([
    ['a URL', (url: string) => ({ urls: [url] })],
    ['a prefix', (url: string) => ({ prefixes: [url.split('?')[0]] })],
    ['a tag', (url: string) => ({ tags: [tagOf(url)] })],
  ])('drops what a purge of %s covers', async (_what, body) => {
    const env = cachingEnv({}, {}, { ADMIN_TOKEN: TOKEN })
    const tag = `memory-tag-${Math.random().toString(36).slice(2)}`
    const { url, path } = resource('memory-purge', { h: [FRESH, `Cache-Tag: ${tag}`] })
    await fetchThrough(url, env)
    expect(await deleteFromColo(url)).toBe(true)
    expect((await fetchThrough(url, env)).cacheStatus, 'only memory has it').toMatch(HIT)
    const purged = await fetchThrough('https://www.example.com/_portico/purge', env, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body(url)),
    })
    expect(purged.status).toBe(200)
    expect((await fetchThrough(url, env)).cacheStatus).toMatch(/fwd=uri-miss/)
    expect((await originSaw(path)).count).toBe(2)
  })
})
