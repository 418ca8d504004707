// Rate-limit rules, compiled. Defaults and their reasons are here.
import type { RateLimitRuleConfig } from '../config/schema.ts'
import type { Limit } from './bucket.ts'
import type { KeyPart } from './key.ts'

/** The Durable Object binding that holds the counters (wrangler.toml). */
export const RATE_LIMITER_BINDING = 'RATE_LIMITER'

export interface RateRule {
  name: string
  key: readonly KeyPart[]
  limit: Limit
  mode: 'exact' | 'fast'
  reject: boolean
  failOpen: boolean
  headers: boolean
  ipv6PrefixBits: number
  timeoutMs: number
}

export function compileRule(r: RateLimitRuleConfig): RateRule {
  return {
    name: r.name,
    key: r.key ?? ['ip'],
    limit: { algorithm: r.algorithm ?? 'token-bucket', limit: r.limit, periodMs: r.periodSeconds * 1000, burst: r.burst ?? r.limit },
    mode: r.mode ?? 'exact',
    reject: (r.action ?? 'reject') === 'reject',
    // Open by default: a limiter outage should not become a site outage; "closed" for endpoints
    // where abuse costs more than refusing (login, payments).
    failOpen: (r.onError ?? 'open') === 'open',
    headers: r.headers ?? false,
    ipv6PrefixBits: r.ipv6PrefixBits ?? 64,
    timeoutMs: r.timeoutMs ?? 1000,
  }
}
