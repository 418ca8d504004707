// CORS for a route (Fetch standard, "CORS protocol"): Portico answers preflights itself and adds
// the Access-Control-* headers to responses for allowed origins, replacing any the origin sent, so
// one place decides. Hono's cors() middleware does this for a Hono app; here the settings are
// compiled per route and applied to a plain Response, so it is written out. Pure.
import { appendVary } from '../http/vary.ts'

export interface CorsPolicy {
  /** Exact origins ("https://app.example.com"), "*.example.com"-style suffixes, or any ("*"). */
  origins: readonly string[]
  anyOrigin: boolean
  methods: readonly string[]
  /** Lower-case; undefined: the headers the preflight asks for are allowed. */
  allowHeaders: readonly string[] | undefined
  exposeHeaders: readonly string[]
  credentials: boolean
  maxAgeSeconds: number
}

const CORS_RESPONSE_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
]

export function isAllowedOrigin(origin: string | null, policy: CorsPolicy): boolean {
  if (origin === null || origin === 'null') return false
  if (policy.anyOrigin) return true
  const lower = origin.toLowerCase()
  return policy.origins.some((o) => {
    if (!o.includes('://*.')) return o === lower
    const [scheme, suffix] = o.split('://*.') as [string, string]
    // "https://*.example.com" allows https://a.example.com, not https://example.com or https://evilexample.com.
    return lower.startsWith(`${scheme}://`) && lower.endsWith(`.${suffix}`) && lower.length > scheme.length + 3 + suffix.length + 1
  })
}

/** A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here: 204. */
export function isPreflight(method: string, headers: Headers): boolean {
  return method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method')
}

/** The preflight answer: allowed → the CORS headers; not allowed → none, which the browser enforces. */
export function preflightResponse(headers: Headers, policy: CorsPolicy): Response {
  const out = new Headers({ vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' })
  const origin = headers.get('origin')
  const method = (headers.get('access-control-request-method') ?? '').toUpperCase()
  if (isAllowedOrigin(origin, policy) && policy.methods.includes(method)) {
    setAllowOrigin(out, origin as string, policy)
    out.set('access-control-allow-methods', policy.methods.join(', '))
    const requested = headers.get('access-control-request-headers')
    const allowed = policy.allowHeaders ?? (requested ? requested.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean) : [])
    if (allowed.length > 0) out.set('access-control-allow-headers', allowed.join(', '))
    out.set('access-control-max-age', String(policy.maxAgeSeconds))
  }
  return new Response(null, { status: 204, headers: out })
}

/** CORS headers on an actual response; any the origin set are replaced. */
export function corsResponseHeaders(res: Headers, requestOrigin: string | null, policy: CorsPolicy | undefined): void {
  if (!policy) return
  for (const name of CORS_RESPONSE_HEADERS) res.delete(name)
  appendVary(res, 'Origin')
  if (!isAllowedOrigin(requestOrigin, policy)) return
  setAllowOrigin(res, requestOrigin as string, policy)
  if (policy.exposeHeaders.length > 0) res.set('access-control-expose-headers', policy.exposeHeaders.join(', '))
}

function setAllowOrigin(headers: Headers, origin: string, policy: CorsPolicy): void {
  // With credentials the origin is echoed ("*" is refused by browsers then); so is a listed one,
  // so a shared cache keyed with Vary: Origin never serves one site's grant to another.
  headers.set('access-control-allow-origin', policy.anyOrigin && !policy.credentials ? '*' : origin)
  if (policy.credentials) headers.set('access-control-allow-credentials', 'true')
}

