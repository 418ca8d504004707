// Content negotiation by Accept for the pages Portico answers itself (problem+json or HTML).
// Parsing is Hono's (RFC 9110 section 12.5.1 q-values); this file only decides.
import { parseAccept } from 'hono/utils/accept'

/**
 * True when the client prefers HTML to JSON: a browser's `text/html,...,*\/*;q=0.8` does, `curl`'s
 * `*\/*` and an API client's `application/json` do not, so problem+json stays the default.
 */
export function prefersHtml(accept: string | null): boolean {
  if (!accept) return false
  let html = 0
  let json = 0
  for (const { type, q } of parseAccept(accept)) {
    const t = type.toLowerCase()
    if (t === 'text/html') html = Math.max(html, q)
    else if (t === 'application/json' || t === 'application/problem+json' || t === 'application/*') json = Math.max(json, q)
  }
  return html > json
}
