// What the cache integration tests share: a request through the whole Worker that waits for its
// background work (cache writes, revalidations, invalidations), a fresh /cached/ resource of the
// loopback origin per test, and what that origin saw of it.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import worker from '../../src/index.ts'
import type { PorticoEnv } from '../../src/config/index.ts'
import { ORIGIN_URL, withConfig } from './harness.ts'

export interface Answer {
  status: number
  headers: Headers
  body: string
  /** The Cache-Status header (RFC 9211), '' when absent. */
  cacheStatus: string
}

/** Through the whole Worker; the body read whole, then its waitUntil work awaited. */
export async function fetchThrough(url: string, env: PorticoEnv, init?: RequestInit): Promise<Answer> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(url, init), env, ctx)
  // A body that breaks off still lets the storage work settle before the error is thrown.
  const body = await res.text().finally(() => waitOnExecutionContext(ctx))
  return { status: res.status, headers: res.headers, body, cacheStatus: res.headers.get('cache-status') ?? '' }
}

/** One route caching everything in front of the loopback origin, with these cache settings. */
export function cachingEnv(cache: Record<string, unknown> = {}, route: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): PorticoEnv {
  return withConfig({ routes: [{ upstream: ORIGIN_URL, cache, ...route }] }, extra)
}

let counter = 0

/**
 * A resource no other test has touched: https://www.example.com/cached/<name>-<unique>?<query>.
 * The query tells the origin how to answer (demo/origin.ts, answerCached): `h` headers on every
 * response, `etag`, `lm`, `body`, `failFrom`... Array values repeat the parameter.
 */
export function resource(name: string, query: Record<string, string | string[]> = {}): { url: string; path: string } {
  const path = `/cached/${name}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one)
  const search = params.size ? `?${params}` : ''
  return { url: `https://www.example.com${path}${search}`, path }
}

export interface OriginLog {
  count: number
  requests: Array<{ method: string; headers: Record<string, string | undefined> }>
}

/** What reached the origin at this /cached/ path. */
export async function originSaw(path: string): Promise<OriginLog> {
  const res = await fetch(`${ORIGIN_URL}/cached-hits?path=${encodeURIComponent(path)}`)
  return (await res.json()) as OriginLog
}

/** An HTTP-date this many seconds from now (negative: in the past). */
export function httpDate(offsetSeconds = 0): string {
  return new Date(Date.now() + offsetSeconds * 1000).toUTCString()
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
