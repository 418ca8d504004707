// The Cache-Status response header (RFC 9211): whether the response came from this cache, and why
// not when it did not. Pure.

export type Forward = 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale' | 'partial'

export interface CacheOutcome {
  hit: boolean
  fwd?: Forward
  fwdStatus?: number
  /** Freshness left, seconds (negative when stale). */
  ttl?: number
  stored?: boolean
  collapsed?: boolean
  detail?: string
}

export function cacheStatus(name: string, o: CacheOutcome): string {
  const parts = [name]
  if (o.hit) parts.push('hit')
  if (o.fwd) parts.push(`fwd=${o.fwd}`)
  if (o.fwdStatus !== undefined) parts.push(`fwd-status=${o.fwdStatus}`)
  if (o.ttl !== undefined && Number.isFinite(o.ttl)) parts.push(`ttl=${Math.round(o.ttl)}`)
  if (o.stored) parts.push('stored')
  if (o.collapsed) parts.push('collapsed')
  if (o.detail) parts.push(`detail=${/^[A-Za-z][A-Za-z0-9_.:/-]*$/.test(o.detail) ? o.detail : JSON.stringify(o.detail)}`)
  return parts.join('; ')
}
