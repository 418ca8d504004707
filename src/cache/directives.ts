// Cache directives from the fields that carry them: Cache-Control (RFC 9111 section 5.2), the
// targeted fields of RFC 9213 (CDN-Cache-Control and a configurable name, Structured Field
// dictionaries: an invalid one is ignored whole), and Surrogate-Control (W3C Edge Architecture).
// Pure. A directive maps to `true` (no argument) or its argument as a string.

export type Directives = ReadonlyMap<string, string | true>

/** RFC 9111 section 1.2.2: delta-seconds larger than this are taken as this. */
export const MAX_DELTA_SECONDS = 2_147_483_648

/**
 * Parse Cache-Control field lines. Names are case-insensitive; an argument is a token or a
 * quoted-string (commas inside quotes do not split); the first occurrence of a directive wins.
 */
export function parseCacheControl(value: string | null): Directives {
  const out = new Map<string, string | true>()
  if (!value) return out
  let i = 0
  const n = value.length
  while (i < n) {
    while (i < n && (value[i] === ',' || value[i] === ' ' || value[i] === '\t')) i++
    if (i >= n) break
    let name = ''
    while (i < n && value[i] !== '=' && value[i] !== ',') name += value[i++]
    // Whitespace before "=" is not allowed (RFC 9111 section 5.2): "max-age =60" is another
    // directive's name, so it is not taken as max-age. Whitespace before a comma is list syntax.
    name = (value[i] === '=' ? name.trimStart() : name.trim()).toLowerCase()
    let arg: string | true = true
    if (value[i] === '=') {
      i++
      if (value[i] === '"') {
        i++
        let s = ''
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++
          s += value[i++]
        }
        i++ // closing quote
        arg = s
        while (i < n && value[i] !== ',') i++ // anything after the quoted string is junk
      } else {
        let s = ''
        while (i < n && value[i] !== ',') s += value[i++]
        arg = s.trimEnd() // "max-age= 60" keeps its leading space, so it is not a valid number
      }
    }
    if (name && !out.has(name)) out.set(name, arg)
  }
  return out
}

/**
 * A directive's delta-seconds argument: undefined when absent, NaN when present but invalid
 * (then the response must be treated as stale), capped at MAX_DELTA_SECONDS.
 */
export function deltaSeconds(d: Directives, name: string): number | undefined {
  const v = d.get(name)
  if (v === undefined) return undefined
  if (v === true || !/^\d+$/.test(v)) return Number.NaN
  const n = Number(v)
  return n > MAX_DELTA_SECONDS ? MAX_DELTA_SECONDS : n
}

/**
 * A targeted cache-control field (RFC 9213): a Structured Field dictionary (RFC 8941 section 3.2).
 * Undefined when absent or invalid, so the caller falls back to Cache-Control. Integer values
 * become their decimal string; `true` for booleans; other value types (strings, tokens, decimals)
 * are kept as strings prefixed with their type so a numeric directive with one is invalid.
 */
export function parseTargeted(value: string | null): Directives | undefined {
  if (value === null) return undefined
  const out = new Map<string, string | true>()
  const s = value
  let i = 0
  const skipOws = () => {
    while (s[i] === ' ' || s[i] === '\t') i++
  }
  const skipSp = () => {
    while (s[i] === ' ') i++
  }
  skipSp()
  // RFC 9213 section 2.2: an empty field is ignored, as if absent.
  if (i >= s.length) return undefined
  for (;;) {
    const key = parseKey()
    if (key === undefined) return undefined
    let val: string | true = true
    if (s[i] === '=') {
      i++
      const item = parseBareItem()
      if (item === undefined) return undefined
      val = item
    }
    if (!parseParameters()) return undefined
    out.set(key, val) // SF: the last occurrence of a key wins
    skipOws()
    if (i >= s.length) return hasWrongType(out) ? undefined : out
    if (s[i] !== ',') return undefined
    i++
    skipOws()
    if (i >= s.length) return undefined // trailing comma
  }

  function parseKey(): string | undefined {
    // Keys are lower case in SF; upper case is accepted here (some origins send MaX-aGe).
    const m = /^[A-Za-z*][A-Za-z0-9_\-.*]*/.exec(s.slice(i))
    if (!m) return undefined
    i += m[0].length
    return m[0].toLowerCase()
  }
  function parseBareItem(): string | undefined {
    const rest = s.slice(i)
    let m = /^-?\d{1,15}(\.\d{1,3})?/.exec(rest)
    if (m) {
      i += m[0].length
      return m[1] ? `decimal:${m[0]}` : m[0]
    }
    if (rest[0] === '"') {
      let j = 1
      let str = ''
      for (;;) {
        const c = rest[j]
        if (c === undefined) return undefined
        if (c === '\\') {
          const next = rest[j + 1]
          if (next !== '"' && next !== '\\') return undefined
          str += next
          j += 2
          continue
        }
        if (c === '"') break
        if (c < ' ' || c > '~') return undefined
        str += c
        j++
      }
      i += j + 1
      return `string:${str}`
    }
    m = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(rest)
    if (m) {
      i += m[0].length
      return `token:${m[0]}`
    }
    m = /^\?[01]/.exec(rest)
    if (m) {
      i += 2
      return m[0] === '?1' ? 'true' : 'false'
    }
    m = /^:[A-Za-z0-9+/=]*:/.exec(rest)
    if (m) {
      i += m[0].length
      return `bytes:${m[0]}`
    }
    return undefined
  }
  function parseParameters(): boolean {
    while (s[i] === ';') {
      i++
      skipSp()
      if (parseKey() === undefined) return false
      if (s[i] === '=') {
        i++
        if (parseBareItem() === undefined) return false
      }
    }
    return true
  }
}

/** Directives whose value must be a non-negative sf-integer (RFC 9213 section 2.1). */
const INTEGER_DIRECTIVES = ['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']

/**
 * RFC 9213 section 2.1: values that break a directive's inferred type are not consumed. A field
 * with one is ignored whole, so Cache-Control applies (cache-tests cdn-cc-invalid-sh-type-wrong).
 */
function hasWrongType(d: Directives): boolean {
  return INTEGER_DIRECTIVES.some((name) => Number.isNaN(deltaSeconds(d, name)))
}

/**
 * Surrogate-Control (https://www.w3.org/TR/edge-arch/): Cache-Control-like directives, each
 * optionally targeted with ";device". Directives targeted at another device are dropped.
 */
export function parseSurrogateControl(value: string | null, device: string): Directives | undefined {
  if (value === null) return undefined
  const out = new Map<string, string | true>()
  for (const part of splitOutsideQuotes(value)) {
    const [directive, target] = splitTarget(part)
    if (target !== undefined && target.toLowerCase() !== device.toLowerCase()) continue
    for (const [k, v] of parseCacheControl(directive)) if (!out.has(k)) out.set(k, v)
  }
  return out
}

function splitTarget(part: string): [string, string | undefined] {
  let inQuotes = false
  for (let i = 0; i < part.length; i++) {
    const c = part[i]
    if (c === '"') inQuotes = !inQuotes
    else if (c === ';' && !inQuotes) return [part.slice(0, i), part.slice(i + 1).trim()]
  }
  return [part, undefined]
}

function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = []
  let inQuotes = false
  let start = 0
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (c === '"') inQuotes = !inQuotes
    else if (c === ',' && !inQuotes) {
      parts.push(value.slice(start, i))
      start = i + 1
    }
  }
  parts.push(value.slice(start))
  return parts.map((p) => p.trim()).filter(Boolean)
}

/** Which field's directives govern this cache, and the directives themselves. */
export interface GoverningDirectives {
  /** "cache-control" or the name of the targeted field that took precedence. */
  source: string
  directives: Directives
  /** Whether a targeted field (RFC 9213) took precedence over Cache-Control. */
  targeted: boolean
}

/**
 * RFC 9213 section 2.1: the first valid targeted field in precedence order replaces Cache-Control
 * for this cache. `targetedFields` are lower-case names, most specific first.
 */
export function governingDirectives(headers: Headers, targetedFields: readonly string[], surrogateDevice: string | undefined): GoverningDirectives {
  for (const name of targetedFields) {
    const parsed = parseTargeted(headers.get(name))
    if (parsed) return { source: name, directives: parsed, targeted: true }
  }
  if (surrogateDevice !== undefined) {
    const sc = parseSurrogateControl(headers.get('surrogate-control'), surrogateDevice)
    if (sc && sc.size > 0) return { source: 'surrogate-control', directives: sc, targeted: false }
  }
  return { source: 'cache-control', directives: parseCacheControl(headers.get('cache-control')), targeted: false }
}

/**
 * Seconds from a governing directive, whatever field it came from: parseTargeted keeps a
 * non-negative sf-integer as its decimal string, so delta-seconds reads both alike.
 */
export function seconds(g: GoverningDirectives, name: string): number | undefined {
  return deltaSeconds(g.directives, name)
}
