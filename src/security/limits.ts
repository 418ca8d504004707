// Request size limits of a route: URL length (414), header count and size (431, RFC 6585 section
// 5), allowed methods (405 with Allow) and body size (413): a declared Content-Length is checked
// here at once; a body without one is counted as it streams (src/http/body-limit.ts) and cut off
// past the limit, never read into memory first. Pure.

export interface LimitsPolicy {
  /** Bytes of the request target as the client sent it (path and query). */
  maxUrlBytes: number
  maxHeaderCount: number
  /** Sum over headers of name + value + 4 (": " and CRLF), as on the wire in HTTP/1.1. */
  maxHeaderBytes: number
  /** Undefined: no limit of Portico's own (the platform's per-plan limit applies). */
  maxBodyBytes: number | undefined
  /** Upper-case; undefined: any method. */
  methods: ReadonlySet<string> | undefined
}

export const DEFAULT_LIMITS = { maxUrlBytes: 8192, maxHeaderCount: 100, maxHeaderBytes: 32_768 } as const

export interface LimitViolation {
  status: 405 | 413 | 414 | 431
  type: string
  detail: string
  headers?: Record<string, string>
}

export interface RequestShape {
  method: string
  /** Path and query as received, before normalisation. */
  target: string
  headers: Headers
}

const encoder = new TextEncoder()

export function checkLimits(req: RequestShape, policy: LimitsPolicy): LimitViolation | undefined {
  if (policy.methods && !policy.methods.has(req.method)) {
    const allow = [...policy.methods].join(', ')
    return { status: 405, type: 'method-not-allowed', detail: `This resource accepts ${allow}.`, headers: { Allow: allow } }
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a short target needs no encoding to measure.
  const urlBytes = req.target.length * 3 <= policy.maxUrlBytes ? req.target.length : encoder.encode(req.target).length
  if (urlBytes > policy.maxUrlBytes) return { status: 414, type: 'uri-too-long', detail: `The request target is ${urlBytes} bytes; at most ${policy.maxUrlBytes} are accepted.` }
  let count = 0
  let bytes = 0
  req.headers.forEach((value, name) => {
    count++
    bytes += name.length + value.length + 4
  })
  if (count > policy.maxHeaderCount) return { status: 431, type: 'header-fields-too-large', detail: `The request has ${count} header fields; at most ${policy.maxHeaderCount} are accepted.` }
  if (bytes > policy.maxHeaderBytes) return { status: 431, type: 'header-fields-too-large', detail: `The request headers are ${bytes} bytes; at most ${policy.maxHeaderBytes} are accepted.` }
  const declared = req.headers.get('content-length')
  if (policy.maxBodyBytes !== undefined && declared !== null && /^\d+$/.test(declared) && Number(declared) > policy.maxBodyBytes) {
    return { status: 413, type: 'content-too-large', detail: `The request body is larger than ${policy.maxBodyBytes} bytes.` }
  }
  return undefined
}
