// The rate-limit fields of draft-ietf-httpapi-ratelimit-headers (Structured Fields):
//   RateLimit-Policy: "api";q=100;w=60     (quota 100 per 60 s window)
//   RateLimit: "api";r=42;t=17             (42 remaining, resets in 17 s)
// plus Retry-After (RFC 9110 section 10.2.3) on a refusal. Pure.

export interface Quota {
  policy: string
  limit: number
  windowSeconds: number
  remaining: number
  resetSeconds: number
}

const sfString = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`

export function rateLimitHeaders(quotas: readonly Quota[]): Array<[string, string]> {
  if (quotas.length === 0) return []
  return [
    ['RateLimit-Policy', quotas.map((q) => `${sfString(q.policy)};q=${q.limit};w=${q.windowSeconds}`).join(', ')],
    ['RateLimit', quotas.map((q) => `${sfString(q.policy)};r=${Math.max(0, q.remaining)};t=${Math.max(0, q.resetSeconds)}`).join(', ')],
  ]
}
