// What never reaches a log line: credentials in headers (Authorization, Cookie, Set-Cookie, API
// keys, tokens) and secrets in query strings (token=, api_key=, signature= ...). A value is
// replaced whole by REDACTED; names stay, so a log still shows that a credential was sent. The
// rule is by name, so it errs towards hiding: "x-csrf-token" and "session" are hidden too. Pure.

export const REDACTED = '[redacted]'

/** Header names always hidden, lower case. */
const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'cf-access-jwt-assertion',
  'cf-access-client-secret',
  'portico-debug',
]
/** A header whose name contains one of these is hidden as well. */
const SECRET_HEADER_WORDS = ['token', 'secret', 'password', 'api-key', 'apikey', 'session', 'signature', 'credential']

/** Query parameters whose name contains one of these (case-insensitive) are hidden. */
const SECRET_QUERY_WORDS = ['token', 'secret', 'password', 'passwd', 'pwd', 'key', 'signature', 'sig', 'auth', 'session', 'code', 'credential', 'jwt']

export interface Redaction {
  /** Extra header names to hide, lower case (config: observability.redactHeaders). */
  headers: ReadonlySet<string>
  /** Extra query parameter names to hide, lower case (config: observability.redactQuery). */
  query: ReadonlySet<string>
}

export const NO_EXTRA_REDACTION: Redaction = { headers: new Set(), query: new Set() }

export function isSecretHeader(name: string, extra: Redaction = NO_EXTRA_REDACTION): boolean {
  const n = name.toLowerCase()
  return SECRET_HEADERS.includes(n) || extra.headers.has(n) || SECRET_HEADER_WORDS.some((w) => n.includes(w))
}

function isSecretQueryParam(name: string, extra: Redaction = NO_EXTRA_REDACTION): boolean {
  const n = name.toLowerCase()
  return extra.query.has(n) || SECRET_QUERY_WORDS.some((w) => n.includes(w))
}

/** Headers as a plain object for a log line, credentials hidden. */
export function redactHeaders(headers: Headers, extra: Redaction = NO_EXTRA_REDACTION): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of headers) out[name] = isSecretHeader(name, extra) ? REDACTED : value
  return out
}

/**
 * A query string ("?a=1&token=x") with secret parameters' values hidden. It is rewritten by hand,
 * not through URLSearchParams, so the rest stays byte for byte as the client sent it.
 */
export function redactQuery(search: string, extra: Redaction = NO_EXTRA_REDACTION): string {
  if (search === '' || search === '?') return search
  const body = search.startsWith('?') ? search.slice(1) : search
  const parts = body.split('&').map((pair) => {
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    let name = rawName
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '))
    } catch {
      // a malformed escape: judge the name as written
    }
    return eq !== -1 && isSecretQueryParam(name, extra) ? `${rawName}=${REDACTED}` : pair
  })
  return `?${parts.join('&')}`
}
