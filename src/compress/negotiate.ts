// Which content coding a response gets (RFC 9110 section 12.5.3): the client's Accept-Encoding
// q-values first, the server's preference order to break ties; and whether a response is worth
// compressing at all. Pure.

import { parseAcceptEncoding } from '../http/accept-encoding.ts'

export type Coding = 'zstd' | 'br' | 'gzip' | 'deflate'

/** Codings the Workers runtime decodes by itself when a body is read (and encodes when labelled). */
export const RUNTIME_CODINGS = new Set(['gzip', 'br'])
/** Codings Portico decodes itself: the runtime leaves these encoded (x-gzip too, though it is gzip). */
export const DECODED_HERE = new Set(['deflate', 'zstd', 'x-gzip'])

/** The q-value the client gives a coding: its own, else "*", else 0 (identity: 1 unless refused). */
export function qualityOf(accepted: ReadonlyMap<string, number>, coding: string): number {
  const own = accepted.get(coding)
  if (own !== undefined) return own
  const star = accepted.get('*')
  if (coding === 'identity') return star === 0 ? 0 : 1
  return star ?? 0
}

/** The best coding the client accepts among `preference` (most preferred first), or undefined for identity. */
export function chooseCoding(accepted: ReadonlyMap<string, number>, preference: readonly Coding[]): Coding | undefined {
  let best: Coding | undefined
  let bestQ = 0
  for (const coding of preference) {
    const q = qualityOf(accepted, coding)
    if (q > bestQ) {
      best = coding
      bestQ = q
    }
  }
  // A client that names identity with a higher q-value than every coding we offer gets identity.
  // Identity unnamed is only acceptable, not preferred: "br;q=0.8" still asks for br.
  const identity = accepted.get('identity')
  return best !== undefined && (identity === undefined || bestQ >= identity) ? best : undefined
}

/** Whether the client accepts a coding the response already has. */
export function accepts(accepted: ReadonlyMap<string, number>, coding: string): boolean {
  return qualityOf(accepted, coding === 'x-gzip' ? 'gzip' : coding) > 0
}

/** Whether a media type is in the list ("text/*", "application/json", "+json" suffixes match). */
export function isCompressibleType(contentType: string | null, types: readonly string[]): boolean {
  if (!contentType) return false
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  const suffix = type.includes('+') ? `+${type.split('+').pop()}` : undefined
  return types.some((t) => t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))) || (suffix !== undefined && t === suffix))
}

export type CompressDecision =
  | { action: 'pass' }
  /** The response's coding is not acceptable: decode it, then maybe encode with `coding`. */
  | { action: 'decode'; from: string; coding: Coding | undefined }
  | { action: 'encode'; coding: Coding }

export interface ResponseFacts {
  method: string
  status: number
  contentEncoding: string | null
  contentType: string | null
  contentLength: number | undefined
  cacheControl: string | null
  hasBody: boolean
  contentRange: boolean
}

export interface CompressPolicy {
  preference: readonly Coding[]
  types: readonly string[]
  minBytes: number
}

/** What to do with a response's body for this client. */
export function decide(acceptEncoding: string | null, r: ResponseFacts, policy: CompressPolicy): CompressDecision {
  if (r.method === 'HEAD' || !r.hasBody || r.status < 200 || r.status === 204 || r.status === 206 || r.status === 304 || r.contentRange) return { action: 'pass' }
  if (r.cacheControl !== null && /(^|,)\s*no-transform\s*(,|$)/i.test(r.cacheControl)) return { action: 'pass' }
  const current = (r.contentEncoding ?? 'identity').trim().toLowerCase()
  const compressible = isCompressibleType(r.contentType, policy.types)
  const accepted = parseAcceptEncoding(acceptEncoding)
  if (current !== 'identity') {
    if (accepts(accepted, current) || current.includes(',')) return { action: 'pass' }
    if (!RUNTIME_CODINGS.has(current) && !DECODED_HERE.has(current)) return { action: 'pass' } // a coding we cannot decode
    return { action: 'decode', from: current, coding: compressible ? chooseCoding(accepted, policy.preference) : undefined }
  }
  if (!compressible || (r.contentLength !== undefined && r.contentLength < policy.minBytes)) return { action: 'pass' }
  const coding = chooseCoding(accepted, policy.preference)
  return coding ? { action: 'encode', coding } : { action: 'pass' }
}
