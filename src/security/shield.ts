// Shielding the origin and its users: the redirect from http to https, HSTS (RFC 6797), security
// response headers, and the signature that lets an origin refuse traffic that did not come through
// Portico. Hono's secureHeaders() middleware sets the same kind of headers, but it is middleware
// on a Hono Context and next(); here they are per-route values fixed when the config is compiled
// and set on a Response, so they are written out below (the default set follows Hono's, less the
// cross-origin isolation headers that break sites embedding others' resources). Pure: the clock
// comes in as an argument.
import { hex } from '../http/bytes.ts'
import { hmacSha256 } from '../http/hmac.ts'

export interface ShieldPolicy {
  httpsRedirect: boolean
  /** The Strict-Transport-Security value; undefined: not sent. */
  hsts: string | undefined
  /** Security headers set on responses that do not have them already. */
  headers: ReadonlyArray<readonly [string, string]>
}

export interface SignaturePolicy {
  header: string
  secret: string
}

/** Set on every response of a route with `shield`, unless the origin set its own. */
export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Permitted-Cross-Domain-Policies': 'none',
  // The XSS auditor is gone from browsers, and where it lingers it opened leaks: turn it off.
  'X-XSS-Protection': '0',
}

/** One year: what the HSTS preload list asks for, and long enough to matter. */
export const DEFAULT_HSTS_MAX_AGE_SECONDS = 31_536_000

export function hstsValue(maxAgeSeconds: number, includeSubDomains: boolean, preload: boolean): string {
  return `max-age=${maxAgeSeconds}${includeSubDomains ? '; includeSubDomains' : ''}${preload ? '; preload' : ''}`
}

/**
 * The https URL to send a plain-http request to, or undefined. 308 keeps the method and body
 * (RFC 9110 section 15.4.9); 301 for GET and HEAD, which every client follows.
 */
export function httpsRedirect(url: URL, method: string, policy: ShieldPolicy | undefined): { location: string; status: 301 | 308 } | undefined {
  if (!policy?.httpsRedirect || url.protocol !== 'http:') return undefined
  const target = new URL(url)
  target.protocol = 'https:'
  if (target.port === '80') target.port = ''
  return { location: target.toString(), status: method === 'GET' || method === 'HEAD' ? 301 : 308 }
}

/** HSTS (only over https: RFC 6797 section 7.2) and the security headers the response lacks. */
export function shieldResponseHeaders(headers: Headers, secure: boolean, policy: ShieldPolicy | undefined): void {
  if (!policy) return
  if (policy.hsts !== undefined && secure) headers.set('strict-transport-security', policy.hsts)
  for (const [name, value] of policy.headers) if (!headers.has(name)) headers.set(name, value)
}

/**
 * Portico-Signature: "t=<unix seconds>;v1=<hex HMAC-SHA-256>", over "<t>\n<METHOD>\n<path?query>"
 * as the origin receives them. The origin recomputes it with the shared secret, compares in
 * constant time and refuses anything older than a few minutes (README "Origin verification").
 */
export async function originSignature(secret: string, method: string, pathAndQuery: string, nowSeconds: number): Promise<string> {
  const t = Math.floor(nowSeconds)
  const mac = await hmacSha256(secret, `${t}\n${method}\n${pathAndQuery}`)
  return `t=${t};v1=${hex(mac)}`
}
