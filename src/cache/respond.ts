// Responses built from a stored entry: Age (RFC 9111 section 4), 304 to a matching conditional
// request, 206/416 for a byte range, no body for HEAD; and what every cached route's response
// loses on its way to the client (targeted cache fields, purge tags).
import { ifRangeHolds, notModified, notModifiedHeaders } from './conditional.ts'
import { planRange } from './range.ts'
import type { CachePolicy } from './policy.ts'

/** Fields meant for this cache only: never sent on to clients. */
const CACHE_ONLY_FIELDS = ['cdn-cache-control', 'surrogate-control', 'cache-tag', 'surrogate-key']

export interface FromStorage {
  status: number
  statusText: string
  headers: Headers
  body: ReadableStream<Uint8Array> | null
  size: number | undefined
  ageSeconds: number
}

export function responseFromStorage(req: Request, s: FromStorage): Response {
  const headers = new Headers(s.headers)
  headers.set('age', String(Math.max(0, Math.floor(s.ageSeconds))))
  const cancel = () => void s.body?.cancel()
  if ((req.method === 'GET' || req.method === 'HEAD') && notModified(req.headers, headers) && s.status === 200) {
    cancel()
    return new Response(null, { status: 304, headers: notModifiedHeaders(headers) })
  }
  if (s.status === 200 && req.method === 'GET' && req.headers.has('range') && s.size !== undefined && ifRangeHolds(req.headers, headers)) {
    const plan = planRange(req.headers.get('range'), s.size)
    if (plan.kind === 'unsatisfiable') {
      cancel()
      headers.set('content-range', `bytes */${s.size}`)
      headers.delete('content-length')
      return new Response(null, { status: 416, headers })
    }
    if (plan.kind === 'partial') {
      headers.set('content-range', `bytes ${plan.start}-${plan.end}/${s.size}`)
      headers.set('content-length', String(plan.end - plan.start + 1))
      return new Response(s.body ? slice(s.body, plan.start, plan.end) : null, { status: 206, headers })
    }
  }
  if (s.status === 200) headers.set('accept-ranges', 'bytes')
  if (req.method === 'HEAD') {
    cancel()
    return new Response(null, { status: s.status, statusText: s.statusText, headers })
  }
  return new Response(nullBodyStatus(s.status) ? null : s.body, { status: s.status, statusText: s.statusText, headers })
}

function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304
}

/** Bytes start..end (inclusive) of a stream. */
function slice(body: ReadableStream<Uint8Array>, start: number, end: number): ReadableStream<Uint8Array> {
  let offset = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const from = Math.max(start - offset, 0)
        const to = Math.min(end + 1 - offset, chunk.byteLength)
        offset += chunk.byteLength
        if (to > from) controller.enqueue(chunk.subarray(from, to))
        if (offset > end) controller.terminate()
      },
    }),
  )
}

/** What leaves the cache for the client: cache-only fields removed, the browser TTL applied. */
export function forClient(res: Response, policy: CachePolicy, cacheable: boolean): Response {
  for (const name of [...CACHE_ONLY_FIELDS, ...policy.targetedFields]) res.headers.delete(name)
  if (cacheable && policy.browserTtlSeconds !== undefined) res.headers.set('cache-control', `public, max-age=${policy.browserTtlSeconds}`)
  return res
}
