// The cache key of a request: normalised host, path, and query (kept, sorted, or with parameters
// dropped, per route), plus chosen request headers and cookies, plus the A/B variant when
// experiments run. Pure.
import { cookieValue } from '../http/cookie.ts'

export interface KeyPolicy {
  /** true: drop the whole query; a list: drop those parameters. */
  ignoreQuery: boolean | readonly string[]
  /** Sort query parameters so ?a=1&b=2 and ?b=2&a=1 share an entry. */
  sortQuery: boolean
  /** Lower-case request header names whose values join the key. */
  headers: readonly string[]
  /** Cookie names whose values join the key. */
  cookies: readonly string[]
}

export const DEFAULT_KEY_POLICY: KeyPolicy = { ignoreQuery: false, sortQuery: false, headers: [], cookies: [] }

/** The primary key: a string naming the stored resource. */
export function cacheKey(url: URL, headers: Headers, policy: KeyPolicy, variant?: string): string {
  let key = keyUrl(url, policy)
  for (const name of policy.headers) key += `\nh:${name}=${headers.get(name) ?? ''}`
  if (policy.cookies.length > 0) {
    const cookies = headers.get('cookie')
    for (const name of policy.cookies) key += `\nc:${name}=${cookieValue(cookies, name) ?? ''}`
  }
  if (variant !== undefined) key += `\nv:${variant}`
  return key
}

/**
 * The URL as the key sees it: host normalised, query kept, sorted or trimmed per policy. Stored
 * entries carry it, so a purge of "/a" also reaches the entry stored for "/a?utm_source=x" when
 * the route ignores utm_source.
 */
export function keyUrl(url: URL, policy: KeyPolicy): string {
  const host = url.hostname.toLowerCase().replace(/\.$/, '') + (url.port ? `:${url.port}` : '')
  return `${url.protocol}//${host}${url.pathname}${keyQuery(url, policy)}`
}

function keyQuery(url: URL, policy: KeyPolicy): string {
  if (policy.ignoreQuery === true || url.search === '') return ''
  if (policy.ignoreQuery === false && !policy.sortQuery) return url.search
  const drop = new Set(Array.isArray(policy.ignoreQuery) ? policy.ignoreQuery : [])
  const pairs = url.search
    .slice(1)
    .split('&')
    .filter((p) => p !== '' && !drop.has(decodeQueryName(p)))
  if (policy.sortQuery) pairs.sort()
  return pairs.length ? `?${pairs.join('&')}` : ''
}

function decodeQueryName(pair: string): string {
  const name = pair.split('=')[0] ?? ''
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '))
  } catch {
    return name
  }
}
