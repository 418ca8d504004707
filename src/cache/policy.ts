// A route's cache settings, compiled: what every cache decision of that route reads. Defaults
// are here with their reasons.
import type { CacheSettingsConfig } from '../config/schema.ts'
import type { FreshnessPolicy } from './freshness.ts'
import type { KeyPolicy } from './key.ts'
import type { MemoryLimits } from './memory.ts'
import type { StoragePolicy } from './storable.ts'

/** The KV namespace binding for the global tier and the purge log. */
export const CACHE_KV_BINDING = 'CACHE_KV'
/** Longest a response is kept, fresh or stale, for revalidation; purge records live as long. */
export const MAX_STORAGE_SECONDS = 7 * 24 * 3600
/** Kept after freshness ends so a stale entry can still be revalidated with its validators. */
export const REVALIDATION_KEEP_SECONDS = 24 * 3600
/** The name in Cache-Status, and the device Surrogate-Control directives may target. */
export const CACHE_NAME = 'Portico'

export interface CachePolicy {
  key: KeyPolicy
  freshness: FreshnessPolicy
  storage: StoragePolicy
  browserTtlSeconds: number | undefined
  staleIfErrorSeconds: number
  bypassCookies: readonly string[]
  bypassHeaders: readonly string[]
  collapse: boolean
  kvMaxBytes: number | undefined
  /** This isolate's memory tier; undefined: the route does not use it. */
  memory: MemoryLimits | undefined
  /** Lower-case targeted field names, most specific first (RFC 9213). */
  targetedFields: readonly string[]
  honorRequestDirectives: boolean
}

export function compileCachePolicy(s: CacheSettingsConfig): CachePolicy | undefined {
  if (s.enabled === false) return undefined
  const edgeTtlSeconds = s.edgeTtlSeconds
  const ignore = s.key?.ignoreQuery
  return {
    key: {
      ignoreQuery: ignore === undefined ? false : ignore,
      sortQuery: s.key?.sortQuery ?? false,
      headers: (s.key?.headers ?? []).map((h) => h.toLowerCase()),
      cookies: s.key?.cookies ?? [],
    },
    // 10% of the time since last modification, at most a day: RFC 9111 section 4.2.2's example,
    // and the cap keeps a years-old file from being served for months without a check.
    freshness: { heuristicFraction: (s.heuristicPercent ?? 10) / 100, heuristicMaxSeconds: s.heuristicMaxSeconds ?? 86_400, edgeTtlSeconds },
    storage: { cacheErrors: s.cacheErrors ?? false, storeSetCookie: s.storeSetCookie ?? false, edgeTtlSeconds },
    browserTtlSeconds: s.browserTtlSeconds,
    staleIfErrorSeconds: s.staleIfErrorSeconds ?? 0,
    bypassCookies: s.bypass?.cookies ?? [],
    bypassHeaders: (s.bypass?.headers ?? []).map((h) => h.toLowerCase()),
    collapse: s.collapse ?? true,
    kvMaxBytes: s.kv === undefined || s.kv === false ? undefined : s.kv === true ? 1024 * 1024 : (s.kv.maxBytes ?? 1024 * 1024),
    memory: compileMemory(s.memory),
    targetedFields: [...(s.targetedField ? [s.targetedField.toLowerCase()] : []), 'cdn-cache-control'],
    honorRequestDirectives: s.honorRequestDirectives ?? true,
  }
}

/**
 * 64 KiB: most pages, API answers, scripts and styles, while 16 MiB still holds hundreds of them.
 * 30 s: how long another isolate's invalidation (or a deleted Cache API entry) may go unseen here.
 */
function compileMemory(m: CacheSettingsConfig['memory']): MemoryLimits | undefined {
  if (m === false) return undefined
  const own = m === undefined || m === true ? {} : m
  return { maxEntryBytes: own.maxEntryBytes ?? 65_536, holdSeconds: own.holdSeconds ?? 30 }
}
