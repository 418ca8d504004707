/// <reference types="@cloudflare/vitest-plugin/types" />
// Purging through the admin API (POST /_portico/purge) in workerd: by URL, prefix, tag and
// everything, at once in this isolate, and through the purge log in KV for every other one.
// "Everything" runs without the KV binding, so its record stays in this test file's isolate.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { PorticoEnv } from '../../src/config/index.ts'
import { fetchThrough, originSaw, sleep } from './cache-harness.ts'
import { ORIGIN_URL, withConfig } from './harness.ts'

const TOKEN = 'purge-test-token-0123456789'
const FRESH = 'Cache-Control: max-age=3600'
const kv = (env as unknown as { CACHE_KV: KVNamespace }).CACHE_KV

const cachingEnv = (extra: Record<string, unknown> = {}) => withConfig({ routes: [{ upstream: ORIGIN_URL, cache: {} }] }, { ADMIN_TOKEN: TOKEN, ...extra })
const withoutKv = () => cachingEnv({ CACHE_KV: undefined })

/** A fresh directory of resources under /cached/: `at('a', {...})` is one of them. */
function directory(name: string) {
  const base = `/cached/${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  return {
    prefix: `https://www.example.com${base}/`,
    at(leaf: string, h: string[] = [FRESH]) {
      const params = new URLSearchParams(h.map((v) => ['h', v]))
      return { url: `https://www.example.com${base}/${leaf}?${params}`, path: `${base}/${leaf}` }
    },
  }
}

async function purge(body: unknown, bindings: PorticoEnv, token = TOKEN) {
  const res = await fetchThrough('https://www.example.com/_portico/purge', bindings, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, json: res.status === 200 ? (JSON.parse(res.body) as { purged: number; global: boolean; note: string }) : undefined, res }
}

/** Stored, then answered from storage once, so a later miss can only come from a purge. */
async function storedAndHit(url: string, bindings: PorticoEnv) {
  await fetchThrough(url, bindings)
  expect((await fetchThrough(url, bindings)).cacheStatus).toMatch(/; hit; /)
}

const isHit = async (url: string, bindings: PorticoEnv) => /; hit; /.test((await fetchThrough(url, bindings)).cacheStatus)

describe('POST /_portico/purge', () => {
  it('purges one URL at once, and records it in KV for the other isolates', async () => {
    const bindings = cachingEnv()
    const dir = directory('purge-url')
    const one = dir.at('one')
    const two = dir.at('two')
    await storedAndHit(one.url, bindings)
    await storedAndHit(two.url, bindings)
    const { status, json } = await purge({ urls: [one.url] }, bindings)
    expect(status).toBe(200)
    expect(json).toMatchObject({ purged: 1, global: true })
    expect(await isHit(one.url, bindings)).toBe(false)
    expect(await isHit(two.url, bindings)).toBe(true)
    expect((await originSaw(one.path)).count).toBe(2)
    const listed = await kv.list<{ kind: string; value: string }>({ prefix: 'purge:' })
    expect(listed.keys.map((k) => k.metadata)).toContainEqual(expect.objectContaining({ kind: 'url', value: one.url }))
  })

  it('purges every variant of a URL that varies', async () => {
    const bindings = cachingEnv()
    const res = directory('purge-vary').at('page', [FRESH, 'Vary: X-Lang'])
    for (const lang of ['en', 'de']) await fetchThrough(res.url, bindings, { headers: { 'x-lang': lang } })
    await purge({ urls: [res.url] }, bindings)
    for (const lang of ['en', 'de']) expect((await fetchThrough(res.url, bindings, { headers: { 'x-lang': lang } })).cacheStatus, lang).not.toMatch(/; hit/)
    expect((await originSaw(res.path)).count).toBe(4)
  })

  it('purges a URL as the route key sees it: ignored parameters and keyed headers included', async () => {
    const bindings = withConfig({ routes: [{ upstream: ORIGIN_URL, cache: { key: { ignoreQuery: ['utm_source'], headers: ['X-Device'] } } }] }, { ADMIN_TOKEN: TOKEN })
    const res = directory('purge-keyed').at('page')
    const tracked = `${res.url}&utm_source=news`
    const mobile = { headers: { 'x-device': 'mobile' } }
    await fetchThrough(tracked, bindings, mobile)
    expect((await fetchThrough(res.url, bindings, mobile)).cacheStatus).toMatch(/; hit; /)
    await purge({ urls: [res.url] }, bindings)
    expect((await fetchThrough(tracked, bindings, mobile)).cacheStatus).toMatch(/fwd=uri-miss/)
    const listed = await kv.list<{ kind: string; value: string }>({ prefix: 'purge:' })
    expect(listed.keys.map((k) => k.metadata)).toContainEqual(expect.objectContaining({ kind: 'url', value: res.url }))
  })

  it('purges everything under a prefix, and nothing beside it', async () => {
    const bindings = cachingEnv()
    const dir = directory('purge-prefix')
    const other = directory('purge-prefix-other').at('kept')
    const inside = [dir.at('a'), dir.at('b'), dir.at('deeper/c')]
    for (const r of [...inside, other]) await storedAndHit(r.url, bindings)
    expect((await purge({ prefixes: [dir.prefix] }, bindings)).json?.purged).toBe(1)
    for (const r of inside) expect(await isHit(r.url, bindings), r.path).toBe(false)
    expect(await isHit(other.url, bindings)).toBe(true)
  })

  it('purges by Cache-Tag and Surrogate-Key', async () => {
    const bindings = cachingEnv()
    const tag = `tag-${Math.random().toString(36).slice(2)}`
    const dir = directory('purge-tag')
    const tagged = dir.at('tagged', [FRESH, `Cache-Tag: other, ${tag}`])
    const keyed = dir.at('keyed', [FRESH, `Surrogate-Key: ${tag} more`])
    const untagged = dir.at('untagged', [FRESH, 'Cache-Tag: other'])
    for (const r of [tagged, keyed, untagged]) await storedAndHit(r.url, bindings)
    expect((await purge({ tags: [tag] }, bindings)).json?.purged).toBe(1)
    expect(await isHit(tagged.url, bindings)).toBe(false)
    expect(await isHit(keyed.url, bindings)).toBe(false)
    expect(await isHit(untagged.url, bindings)).toBe(true)
  })

  it('purges everything stored before it, and keeps what is stored after it', async () => {
    const bindings = withoutKv()
    const dir = directory('purge-all')
    const before = [dir.at('a'), dir.at('b')]
    for (const r of before) await storedAndHit(r.url, bindings)
    const { json } = await purge({ everything: true }, bindings)
    expect(json).toMatchObject({ purged: 1, global: false })
    for (const r of before) expect(await isHit(r.url, bindings), r.path).toBe(false)
    // Stored again after the purge: served from storage once more.
    for (const r of before) expect(await isHit(r.url, bindings), r.path).toBe(true)
    const after = dir.at('c')
    await storedAndHit(after.url, bindings)
  })

  it('applies a purge another isolate wrote to the KV log within a few seconds', async () => {
    const bindings = cachingEnv()
    const tag = `remote-${Math.random().toString(36).slice(2)}`
    const r = directory('purge-remote').at('page', [FRESH, `Cache-Tag: ${tag}`])
    await storedAndHit(r.url, bindings)
    await sleep(5)
    // What the admin API of another colo writes: one key per purge, the record in its metadata.
    await kv.put(`purge:${Date.now()}-remote`, '', { metadata: { at: Date.now(), kind: 'tag', value: tag } })
    // The log is re-read in the background at most every 5 s, after a request that finds it due.
    await sleep(5_100)
    await fetchThrough(r.url, bindings)
    expect(await isHit(r.url, bindings)).toBe(false)
  }, 15_000)

  it('rejects a body that names nothing, or is invalid, with the reason', async () => {
    const bindings = cachingEnv()
    const empty = await purge({}, bindings)
    expect(empty.status).toBe(400)
    expect((JSON.parse(empty.res.body) as { detail: string }).detail).toMatch(/at least one of urls, prefixes, tags or everything/)
    const relative = await purge({ urls: ['/relative'] }, bindings)
    expect(relative.status).toBe(400)
    expect(JSON.parse(relative.res.body)).toMatchObject({ errors: [{ path: 'urls.0' }] })
    const notJson = await fetchThrough('https://www.example.com/_portico/purge', bindings, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'urls=x' })
    expect(notJson.status).toBe(400)
  })

  it('refuses a tag or URL too long for the KV record (over 800 bytes) with 400, and records nothing', async () => {
    const bindings = cachingEnv()
    const tag = 'long-tag-' + 't'.repeat(2000)
    const res = await purge({ tags: [tag] }, bindings)
    expect(res.status).toBe(400)
    expect(JSON.parse(res.res.body)).toMatchObject({ type: 'urn:portico:purge-invalid', errors: [{ path: 'tags.0', message: expect.stringMatching(/at most 800 bytes/) }] })
    const listed = await kv.list<{ kind: string; value: string }>({ prefix: 'purge:' })
    expect(listed.keys.some((k) => k.metadata?.value === tag)).toBe(false)
  })

  it('answers 503 with Retry-After when KV fails to record the purge, not a crash', async () => {
    // A KV that refuses writes: a fault real KV cannot be made to produce here.
    const failing = { list: () => Promise.resolve({ keys: [], list_complete: true, cacheStatus: null }), put: () => Promise.reject(new Error('KV PUT failed: 500')) }
    const res = await purge({ tags: ['any'] }, cachingEnv({ CACHE_KV: failing }))
    expect(res.status).toBe(503)
    expect(res.res.headers.get('retry-after')).toBe('1')
    expect(JSON.parse(res.res.body)).toMatchObject({ type: 'urn:portico:purge-not-recorded' })
  })

  it('needs the admin token', async () => {
    const bindings = cachingEnv()
    const r = directory('purge-denied').at('page')
    await storedAndHit(r.url, bindings)
    expect((await purge({ everything: true }, bindings, 'wrong-token')).status).toBe(401)
    expect((await purge({ everything: true }, withConfig({ routes: [{ upstream: ORIGIN_URL, cache: {} }] }))).status).toBe(404)
    expect(await isHit(r.url, bindings)).toBe(true)
  })
})
