// Vary (RFC 9111 section 4.1): which request headers select among a resource's stored responses,
// and the secondary key those headers' values make for one request. Pure.
import { acceptedCodings } from '../http/accept-encoding.ts'

/** The header names a response varies on, lower case, sorted and unique ("*" is handled apart). */
export function varyNames(headers: Headers): string[] {
  const vary = headers.get('vary')
  if (!vary) return []
  return [...new Set(vary.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v && v !== '*'))].sort()
}

/**
 * The secondary key: each named header's value as the request carries it, normalised the way
 * RFC 9111 section 4.1 allows (field lines combined, whitespace around commas folded). An absent
 * header and an empty one differ. Accept-Encoding is reduced to the codings it accepts, so the
 * many spellings browsers send share a variant; Accept-Language is compared without case. The
 * order of languages is kept: an origin may read it as preference.
 */
export function varyKey(names: readonly string[], request: Headers): string {
  return names
    .map((name) => {
      const value = request.get(name)
      if (value === null) return `${name}!`
      if (name === 'accept-encoding') return `${name}=${acceptedCodings(value)}`
      const folded = value.replace(/\s*,\s*/g, ',').replace(/\s+/g, ' ').trim()
      // Language tags are case-insensitive (RFC 4647 section 2): en-US and en-us are one variant.
      return `${name}=${name === 'accept-language' ? folded.toLowerCase() : folded}`
    })
    .join('\n')
}
