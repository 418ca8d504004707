// HTTP caching end to end: the built Worker in workerd on a real socket, in front of a real origin.
// What only shows over real sockets and one long-lived isolate: concurrent misses collapsing into
// one origin request, the isolate's memory and the KV tier answering when the colo's cache has lost
// an entry, purges applied at once, and stale-while-revalidate answering before a slow origin does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheKey, idOf } from '../../src/cache/index.ts'
import { DEFAULT_KEY_POLICY } from '../../src/cache/key.ts'
import { send, type SentResponse } from './client.ts'
import { config, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const PUBLIC_HOST = 'www.example.test'
const TOKEN = 'e2e-cache-admin-token-0123456789'

let origin: RunningOrigin
let portico: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('cache')
  portico = await startPortico({
    ...config({
      routes: [
        { name: 'uncollapsed', match: { path: '/cached/uncollapsed' }, upstream: origin.url, cache: { collapse: false } },
        // Without memory, so a lost colo copy can only come back from KV.
        { name: 'global', match: { path: '/cached/global' }, upstream: origin.url, cache: { kv: true, memory: false } },
        { name: 'cached', upstream: origin.url, cache: {} },
      ],
    }),
    ADMIN_TOKEN: TOKEN,
  })
})
afterAll(async () => {
  await portico?.close()
  await origin?.close()
})

let counter = 0
/** A path under /cached/ no other test uses, and its query (demo/origin.ts, answerCached). */
function resource(name: string, query: Record<string, string | string[]>) {
  const path = `/cached/${name}/${Date.now().toString(36)}-${counter++}`
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one)
  return { path, pathAndQuery: `${path}?${params}` }
}

const get = (pathAndQuery: string, headers: Record<string, string> = {}) => send(portico.at(pathAndQuery), { headers: { host: PUBLIC_HOST, ...headers } })
const cacheStatus = (res: SentResponse) => String(res.headers['cache-status'] ?? '')
/** How many requests for `path` reached the origin. */
const originCount = (path: string) => origin.seen.filter((s) => s.url.startsWith(`${path}?`)).length

describe('request collapsing', () => {
  it('sends concurrent misses for one URL to the origin once, and every client gets the body', async () => {
    const { path, pathAndQuery } = resource('collapse', { h: 'Cache-Control: max-age=600', delayMs: '400', body: 'collapsed body' })
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(pathAndQuery)))
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
    expect(answers.map((a) => a.body.toString())).toEqual(Array(10).fill('collapsed body'))
    expect(originCount(path)).toBe(1)
    const statuses = answers.map(cacheStatus)
    expect(statuses.filter((s) => s.includes('fwd=uri-miss'))).toHaveLength(1)
    expect(statuses.filter((s) => s.includes('collapsed'))).toHaveLength(9)
  })

  it('sends each concurrent miss to the origin on a route with collapse: false', async () => {
    const { path, pathAndQuery } = resource('uncollapsed', { h: 'Cache-Control: max-age=600', delayMs: '300' })
    await Promise.all(Array.from({ length: 5 }, () => get(pathAndQuery)))
    expect(originCount(path)).toBe(5)
  })

  it('lets every waiting client go to the origin itself when the response may not be stored', async () => {
    const { path, pathAndQuery } = resource('collapse-private', { h: 'Cache-Control: private', delayMs: '300', body: 'mine' })
    const answers = await Promise.all(Array.from({ length: 4 }, () => get(pathAndQuery)))
    expect(answers.map((a) => a.body.toString())).toEqual(Array(4).fill('mine'))
    expect(originCount(path)).toBe(4)
  })
})

/** Delete a URL's colo copy (the Cache API object store.ts keeps under /__portico_cache/<id>); true if it was there. */
async function deleteFromColo(pathAndQuery: string): Promise<boolean> {
  const id = await idOf(cacheKey(new URL(`http://${PUBLIC_HOST}${pathAndQuery}`), new Headers(), DEFAULT_KEY_POLICY))
  const caches = await portico.mf.getCaches()
  return await caches.default.delete(`https://${PUBLIC_HOST}/__portico_cache/${id}`)
}

describe('the memory tier (cache.memory)', () => {
  it('answers from the isolate\'s memory when the colo cache has lost the entry, with the same bytes an edge hit had', async () => {
    const { path, pathAndQuery } = resource('memory', { h: ['Cache-Control: max-age=600', 'ETag: "e2e"'], body: 'kept in memory' })
    expect(cacheStatus(await get(pathAndQuery))).toContain('stored')
    const fromColo = await get(pathAndQuery)
    expect(await deleteFromColo(pathAndQuery)).toBe(true)
    const fromMemory = await get(pathAndQuery)
    expect(fromMemory.body.toString()).toBe('kept in memory')
    expect(cacheStatus(fromMemory)).toMatch(/^Portico; hit; ttl=\d+$/)
    // The same header lines in the same order, but for those that name the moment or the request.
    const VOLATILE = new Set(['date', 'age', 'x-request-id', 'cache-status'])
    const lines = (r: SentResponse) => r.rawHeaders.filter(([name]) => !VOLATILE.has(name.toLowerCase()))
    expect(lines(fromMemory)).toEqual(lines(fromColo))
    expect(fromMemory.complete).toBe(true)
    expect(originCount(path)).toBe(1)
  })
})

describe('the KV tier (cache.kv)', () => {
  it('answers from KV when the colo cache has lost the entry, and copies it back there', async () => {
    const { path, pathAndQuery } = resource('global', { h: 'Cache-Control: max-age=600', body: 'kept in KV' })
    expect(cacheStatus(await get(pathAndQuery))).toContain('stored')
    expect(cacheStatus(await get(pathAndQuery))).toMatch(/^Portico; hit; ttl=\d+$/)
    expect(await deleteFromColo(pathAndQuery)).toBe(true)
    const fromKv = await get(pathAndQuery)
    expect(fromKv.body.toString()).toBe('kept in KV')
    expect(cacheStatus(fromKv)).toMatch(/^Portico; hit; ttl=\d+; detail=kv$/)
    // Copied back to the colo cache by the KV hit.
    await waitFor(async () => /^Portico; hit; ttl=\d+$/.test(cacheStatus(await get(pathAndQuery))))
    expect(originCount(path)).toBe(1)
  })
})

const purge = (body: unknown) =>
  send(portico.at('/_portico/purge'), { method: 'POST', headers: { host: PUBLIC_HOST, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('the KV tier after a purge', () => {
  it('serves nothing a purge covered from KV either', async () => {
    const tag = `kv-tag-${counter}`
    const { path, pathAndQuery } = resource('global', { h: ['Cache-Control: max-age=600', `Cache-Tag: ${tag}`] })
    await get(pathAndQuery)
    expect((await purge({ tags: [tag] })).status).toBe(200)
    const after = await get(pathAndQuery)
    expect(cacheStatus(after)).toMatch(/^Portico; fwd=uri-miss; /)
    expect(originCount(path)).toBe(2)
  })
})

describe('purge through the admin API', () => {
  it('applies a purge by URL, tag and everything to the next request', async () => {
    const byUrl = resource('purged-url', { h: 'Cache-Control: max-age=600' })
    const byTag = resource('purged-tag', { h: ['Cache-Control: max-age=600', 'Cache-Tag: e2e-tag'] })
    const kept = resource('purged-not', { h: 'Cache-Control: max-age=600' })
    for (const r of [byUrl, byTag, kept]) {
      await get(r.pathAndQuery)
      expect(cacheStatus(await get(r.pathAndQuery)), r.path).toMatch(/; hit; /)
    }
    const res = await purge({ urls: [`http://${PUBLIC_HOST}${byUrl.pathAndQuery}`], tags: ['e2e-tag'] })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString())).toMatchObject({ purged: 2, global: true })
    expect(cacheStatus(await get(byUrl.pathAndQuery))).toMatch(/fwd=uri-miss/)
    expect(cacheStatus(await get(byTag.pathAndQuery))).toMatch(/fwd=uri-miss/)
    expect(cacheStatus(await get(kept.pathAndQuery))).toMatch(/; hit; /)

    expect((await purge({ everything: true })).status).toBe(200)
    expect(cacheStatus(await get(kept.pathAndQuery))).toMatch(/fwd=uri-miss/)
    expect(originCount(kept.path)).toBe(2)
  })
})

describe('invalidation', () => {
  it('never serves the stored target of a redirect after a POST (post/redirect/get), however soon the GET follows', async () => {
    for (let i = 0; i < 20; i++) {
      const target = resource('prg-target', { h: 'Cache-Control: max-age=600', body: 'version {n}' })
      expect((await get(target.pathAndQuery)).body.toString()).toBe('version 1')
      const form = resource('prg-form', { status: '303', h: `Location: {origin}${target.pathAndQuery}` })
      const posted = await send(portico.at(form.pathAndQuery), { method: 'POST', headers: { host: PUBLIC_HOST }, body: 'field=value' })
      expect(posted.status).toBe(303)
      expect(posted.headers.location).toBe(`http://${PUBLIC_HOST}${target.pathAndQuery}`)
      expect((await get(target.pathAndQuery)).body.toString(), `round ${i}`).toBe('version 2')
    }
  })
})

describe('stale-while-revalidate', () => {
  it('answers at once from storage while a slow origin is asked again in the background', async () => {
    // Stale on arrival (Age above max-age), within stale-while-revalidate; the origin takes 1.5 s.
    const { path, pathAndQuery } = resource('swr-slow', { h: 'Cache-Control: max-age=60, stale-while-revalidate=600', full: 'Age: 100', delayMs: '1500', body: 'version {n}' })
    expect((await get(pathAndQuery)).body.toString()).toBe('version 1')
    const started = performance.now()
    const stale = await get(pathAndQuery)
    const elapsedMs = performance.now() - started
    expect(stale.body.toString()).toBe('version 1')
    expect(cacheStatus(stale)).toContain('detail=stale-while-revalidate')
    expect(elapsedMs).toBeLessThan(500)
    // The background refresh reaches the origin and, once it is stored, is what clients get.
    await waitFor(async () => (await get(pathAndQuery)).body.toString() === 'version 2', 5_000)
    expect(originCount(path)).toBeGreaterThanOrEqual(2)
  })
})

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (performance.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}
