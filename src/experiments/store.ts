// Assignments of known users (a user id from a header, cookie or verified claim) in Workers KV,
// so they survive cookie loss and device changes, in every colo. Keys hold a hash of the user id,
// never the id. Reads are cached per isolate; writes go through waitUntil.
import { sha256Hex } from '../http/digest.ts'

const MAX_CACHED = 10_000
const cache = new Map<string, string>()

async function keyFor(experiment: string, userId: string): Promise<string> {
  return `ab:${experiment}:${await sha256Hex(userId, 16)}`
}

export async function storedAssignment(kv: KVNamespace, experiment: string, userId: string): Promise<string | undefined> {
  const key = await keyFor(experiment, userId)
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const value = await kv.get(key)
  if (value !== null) remember(key, value)
  return value ?? undefined
}

export async function storeAssignment(kv: KVNamespace, experiment: string, userId: string, variant: string, ttlSeconds: number): Promise<void> {
  const key = await keyFor(experiment, userId)
  remember(key, variant)
  await kv.put(key, variant, { expirationTtl: Math.max(60, ttlSeconds) })
}

function remember(key: string, value: string): void {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string)
  cache.set(key, value)
}
