// What a rate limit counts by, normalised so it cannot be dodged: a client address (an IPv6 client
// by its /64, since one host can rotate through a whole /64), a path (case, percent-encoding,
// duplicate slashes and dot-segments folded), a header, a cookie, a verified JWT claim, or several
// of these together. X-Forwarded-For is never read: the address is the platform's. Pure.
import { cookieValue } from '../http/cookie.ts'
import { ipPrefix } from '../http/ip.ts'

export type KeyPart = 'ip' | 'path' | { header: string } | { cookie: string } | { claim: string }

export interface KeyInput {
  clientIp: string | undefined
  path: string
  headers: Headers
  /** Claims of a JWT the access stage verified; never read from an unverified token. */
  claims: Readonly<Record<string, unknown>> | undefined
}

/** The key for a rule, or undefined when a part it needs is missing (the rule then does not apply). */
export function rateKey(parts: readonly KeyPart[], input: KeyInput, ipv6PrefixBits: number): string | undefined {
  const values: string[] = []
  for (const part of parts) {
    const v = partValue(part, input, ipv6PrefixBits)
    if (v === undefined) return undefined
    values.push(v)
  }
  return values.join('\u0000')
}

function partValue(part: KeyPart, input: KeyInput, bits: number): string | undefined {
  if (part === 'ip') return input.clientIp === undefined ? undefined : `ip:${ipPrefix(input.clientIp, bits)}`
  if (part === 'path') return `path:${normalisePath(input.path)}`
  if ('header' in part) {
    const v = input.headers.get(part.header)
    return v === null || v.trim() === '' ? undefined : `h:${part.header.toLowerCase()}=${v.trim()}`
  }
  if ('cookie' in part) {
    const v = cookieValue(input.headers.get('cookie'), part.cookie)
    return v === undefined || v === '' ? undefined : `c:${part.cookie}=${v}`
  }
  const claim = input.claims?.[part.claim]
  return claim === undefined || claim === null ? undefined : `j:${part.claim}=${typeof claim === 'string' ? claim : JSON.stringify(claim)}`
}

/** A path as a key: percent-decoded, lower case, single slashes, dot-segments resolved, no trailing slash. */
export function normalisePath(path: string): string {
  let decoded = path
  for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(decoded); i++) decoded = decodeEscapes(decoded)
  const out: string[] = []
  for (const seg of decoded.toLowerCase().split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return `/${out.join('/')}`
}

/**
 * Decode each run of escapes on its own, so one malformed escape does not keep the others encoded
 * (`/%6Cogin%ZZ` and `/login%ZZ` are one path). A run that is not UTF-8 keeps its non-ASCII bytes
 * as escapes and decodes the rest.
 */
function decodeEscapes(s: string): string {
  return s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run.replace(/%([0-9a-f]{2})/gi, (escape, hex: string) => (Number.parseInt(hex, 16) < 0x80 ? String.fromCharCode(Number.parseInt(hex, 16)) : escape))
    }
  })
}
