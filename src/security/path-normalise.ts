// The one spelling of a request path that routing, access checks, the cache key and the origin all
// see, so /admin cannot be reached as /%61dmin, //admin or /public/../admin. Applied to every
// request before routing. What it does, in order (RFC 3986 section 6.2.2):
//   - percent-encoded unreserved characters are decoded (6.2.2.2), other encodings get upper-case
//     hex (6.2.2.1); malformed "%" escapes, control characters and invalid or overlong UTF-8 are
//     refused, as an origin might decode them differently from us;
//   - encoded slashes and backslashes (%2F, %5C) are refused, kept encoded, or decoded, per policy;
//   - "%25" followed by two hex digits (double encoding) is refused unless the policy keeps it;
//   - empty segments are merged ("//" → "/") and dot-segments removed (5.2.4), ".." never above "/";
//   - a dot-segment with parameters ("..;", Tomcat's path parameters) is refused.
// Case is kept: paths are case-sensitive (RFC 3986 section 6.2.2.1 leaves them so). Pure.

export interface PathPolicy {
  /** false: the path is passed on exactly as it arrived. */
  normalise: boolean
  /** "//" becomes "/". */
  mergeSlashes: boolean
  /** %2F and %5C: refuse the request, keep them encoded (one segment), or decode them to "/". */
  encodedSlashes: 'reject' | 'keep' | 'decode'
  /** "%25" + two hex digits: refuse, or keep as data. */
  doubleEncoding: 'reject' | 'keep'
}

export const DEFAULT_PATH_POLICY: PathPolicy = { normalise: true, mergeSlashes: true, encodedSlashes: 'reject', doubleEncoding: 'reject' }

export type NormalisedPath = { ok: true; path: string } | { ok: false; reason: string }

const HEX = '0123456789ABCDEF'

/** RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  return -1
}

/**
 * What any of the steps below could change or refuse: a "%" escape, a backslash, a control
 * character, a dot-segment (always after a "/") or an empty segment. Most paths have none, and are
 * normal as they are.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const NEEDS_WORK = /[%\\\x00-\x1f\x7f]|\/\.|\/\//

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** `raw` is a URL's pathname (already percent-encoded where WHATWG URL parsing requires). */
export function normalisePath(raw: string, policy: PathPolicy): NormalisedPath {
  if (!policy.normalise || !NEEDS_WORK.test(raw)) return { ok: true, path: raw }
  const decoded = decodeSafely(raw, policy)
  if (!decoded.ok) return decoded
  return removeDotSegments(decoded.path, policy.mergeSlashes)
}

function decodeSafely(raw: string, policy: PathPolicy): NormalisedPath {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return { ok: false, reason: 'the path contains a control character' }
    if (c === 0x5c) return { ok: false, reason: 'the path contains a backslash' }
    if (c !== 0x25 /* % */) {
      out += raw[i]
      continue
    }
    const byte = escapeAt(raw, i)
    if (byte < 0) return { ok: false, reason: 'the path has a malformed percent-encoding' }
    if (byte >= 0x80) {
      // A run of encoded non-ASCII bytes must be valid UTF-8 (no overlong forms such as %C0%AF).
      const bytes: number[] = []
      let j = i
      for (let b = escapeAt(raw, j); b >= 0x80; b = escapeAt(raw, j)) {
        bytes.push(b)
        j += 3
      }
      try {
        utf8.decode(new Uint8Array(bytes))
      } catch {
        return { ok: false, reason: 'the path has percent-encoded bytes that are not valid UTF-8' }
      }
      for (const b of bytes) out += `%${HEX[b >> 4]}${HEX[b & 15]}`
      i = j - 1
      continue
    }
    i += 2
    if (byte < 0x20 || byte === 0x7f) return { ok: false, reason: 'the path contains an encoded control character' }
    if (isUnreserved(byte)) {
      out += String.fromCharCode(byte)
    } else if (byte === 0x2f || byte === 0x5c) {
      if (policy.encodedSlashes === 'reject') return { ok: false, reason: 'the path contains an encoded slash (%2F or %5C)' }
      out += policy.encodedSlashes === 'decode' ? '/' : `%${HEX[byte >> 4]}${HEX[byte & 15]}`
    } else {
      out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`
    }
  }
  // Checked on the decoded form, so "%25%32%65" (an encoded "%2e") is caught like "%252e".
  if (policy.doubleEncoding === 'reject' && /%25[0-9A-Fa-f]{2}/.test(out)) {
    return { ok: false, reason: 'the path is percent-encoded twice (%25 followed by an escape)' }
  }
  return { ok: true, path: out }
}

/** The byte a "%XY" at `at` encodes, or -1 when there is none (or it is malformed). */
function escapeAt(s: string, at: number): number {
  if (s.charCodeAt(at) !== 0x25 || at + 2 >= s.length) return -1
  const hi = hexValue(s.charCodeAt(at + 1))
  const lo = hexValue(s.charCodeAt(at + 2))
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo
}

/** RFC 3986 section 5.2.4 on whole segments, with empty segments merged when asked. */
function removeDotSegments(path: string, mergeSlashes: boolean): NormalisedPath {
  const input = path.split('/')
  const out: string[] = []
  // input[0] is what precedes the first "/" (empty for a path-absolute URL).
  for (let i = 1; i < input.length; i++) {
    const seg = input[i] as string
    const last = i === input.length - 1
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop()
      if (last) out.push('') // "/a/b/.." is "/a/", a directory
      continue
    }
    if (seg.startsWith('..;') || seg.startsWith('.;')) return { ok: false, reason: 'the path has a dot-segment with parameters ("..;")' }
    if (seg === '' && mergeSlashes && !last) continue
    out.push(seg)
  }
  return { ok: true, path: `/${out.join('/')}` }
}
