/// <reference types="@cloudflare/vitest-plugin/types" />
// Assignments of known users in the real KV namespace of wrangler.toml (EXPERIMENTS_KV), inside
// workerd. Reads are also cached per isolate, so what reached KV is checked in KV itself.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EXPERIMENTS_KV_BINDING } from './policy.ts'
import { storeAssignment, storedAssignment } from './store.ts'

const kv = (env as unknown as Record<string, KVNamespace>)[EXPERIMENTS_KV_BINDING] as KVNamespace
const TTL_SECONDS = 3_600

let counter = 0
/** An experiment name no other test uses (the per-isolate read cache outlives a test). */
const fresh = (what: string) => `${what}-${Date.now().toString(36)}-${(counter++).toString(36)}`

/** The documented key: "ab:<experiment>:" and the first 128 bits of SHA-256(user id), in hex. */
async function expectedKey(experiment: string, userId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(userId)))
  return `ab:${experiment}:${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

describe('assignments of known users in KV', () => {
  it('is bound in wrangler.toml', () => {
    expect(typeof kv?.get).toBe('function')
  })

  it('stores an assignment in KV and reads it back', async () => {
    const exp = fresh('roundtrip')
    expect(await storedAssignment(kv, exp, 'user-42')).toBeUndefined()
    await storeAssignment(kv, exp, 'user-42', 'canary', TTL_SECONDS)
    expect(await storedAssignment(kv, exp, 'user-42')).toBe('canary')
    expect(await kv.get(await expectedKey(exp, 'user-42'))).toBe('canary')
    expect(await storedAssignment(kv, exp, 'user-43')).toBeUndefined()
  })

  it('keys by a hash of the user id: the raw id appears in no key and no value', async () => {
    const exp = fresh('privacy')
    const ids = ['alice@example.com', '12345', 'user with spaces', 'ünïcode-ユーザー', 'a'.repeat(500)]
    for (const id of ids) await storeAssignment(kv, exp, id, 'b', TTL_SECONDS)
    const { keys } = await kv.list({ prefix: `ab:${exp}:` })
    expect(keys).toHaveLength(ids.length)
    for (const { name } of keys) {
      expect(name).toMatch(new RegExp(`^ab:${exp}:[0-9a-f]{32}$`))
      for (const id of ids) expect(name).not.toContain(id)
      expect(await kv.get(name)).toBe('b')
    }
    expect(new Set(keys.map((k) => k.name))).toEqual(new Set(await Promise.all(ids.map((id) => expectedKey(exp, id)))))
  })

  it('keeps one user apart per experiment, and users apart from each other', async () => {
    const [one, two] = [fresh('one'), fresh('two')]
    await storeAssignment(kv, one, 'user-1', 'a', TTL_SECONDS)
    await storeAssignment(kv, two, 'user-1', 'b', TTL_SECONDS)
    await storeAssignment(kv, one, 'user-2', 'c', TTL_SECONDS)
    expect(await kv.get(await expectedKey(one, 'user-1'))).toBe('a')
    expect(await kv.get(await expectedKey(two, 'user-1'))).toBe('b')
    expect(await kv.get(await expectedKey(one, 'user-2'))).toBe('c')
  })

  it('reads an assignment another isolate or colo wrote to KV', async () => {
    const exp = fresh('elsewhere')
    await kv.put(await expectedKey(exp, 'user-7'), 'v2')
    expect(await storedAssignment(kv, exp, 'user-7')).toBe('v2')
  })

  it('replaces an assignment (a reassigned user of a removed variant)', async () => {
    const exp = fresh('replace')
    await storeAssignment(kv, exp, 'user-9', 'old', TTL_SECONDS)
    await storeAssignment(kv, exp, 'user-9', 'new', TTL_SECONDS)
    expect(await storedAssignment(kv, exp, 'user-9')).toBe('new')
    expect(await kv.get(await expectedKey(exp, 'user-9'))).toBe('new')
  })

  it('lets KV expire an assignment after the TTL (60 s at least, KV\'s minimum)', async () => {
    const exp = fresh('ttl')
    const before = Math.floor(Date.now() / 1000)
    await storeAssignment(kv, exp, 'user-long', 'a', TTL_SECONDS)
    await storeAssignment(kv, exp, 'user-short', 'a', 1)
    const after = Math.ceil(Date.now() / 1000)
    const expiry = async (id: string) => (await kv.list({ prefix: await expectedKey(exp, id) })).keys[0]?.expiration
    const long = await expiry('user-long')
    const short = await expiry('user-short')
    expect(long).toBeGreaterThanOrEqual(before + TTL_SECONDS)
    expect(long).toBeLessThanOrEqual(after + TTL_SECONDS)
    expect(short).toBeGreaterThanOrEqual(before + 60)
    expect(short).toBeLessThanOrEqual(after + 60)
  })
})
