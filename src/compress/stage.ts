// The compression stage: encode a response for this client while it streams, decode an origin's
// coding the client does not accept (bounded), and set the headers that go with it: Content-Encoding,
// Vary: Accept-Encoding, no Content-Length, a weak ETag (RFC 9110 section 8.8.3: a different
// encoding is a different representation). Encoded bodies leave with encodeBody "manual" so the
// runtime does not encode them again.
import { appendVary } from '../http/vary.ts'
import { decoder, encoder } from './codecs/index.ts'
import { limitBytes } from './decode-limit.ts'
import { RUNTIME_CODINGS, decide, isCompressibleType } from './negotiate.ts'
import type { CompressionPolicy } from './policy.ts'

export function compressBody(req: Request, res: Response, policy: CompressionPolicy | undefined): Response {
  if (!policy || res.status === 101) return res
  const length = res.headers.get('content-length')
  const decision = decide(
    clientAcceptEncoding(req),
    {
      method: req.method,
      status: res.status,
      contentEncoding: res.headers.get('content-encoding'),
      contentType: res.headers.get('content-type'),
      contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
      cacheControl: res.headers.get('cache-control'),
      hasBody: res.body !== null,
      contentRange: res.headers.has('content-range'),
    },
    policy,
  )
  if (decision.action === 'pass') {
    // The answer still depends on Accept-Encoding for compressible types: say so to caches downstream.
    if (isCompressibleType(res.headers.get('content-type'), policy.types) && res.status < 300) appendVary(res.headers, 'Accept-Encoding')
    return res
  }
  let body = res.body as ReadableStream<Uint8Array>
  const headers = new Headers(res.headers)
  if (decision.action === 'decode') {
    // gzip and br reach JavaScript already decoded by the runtime; deflate, zstd and x-gzip are decoded here.
    if (!RUNTIME_CODINGS.has(decision.from)) body = body.pipeThrough(decoder(decision.from as 'deflate' | 'zstd' | 'x-gzip'))
    body = body.pipeThrough(limitBytes(policy.maxDecodedBytes))
    headers.delete('content-encoding')
  }
  const coding = decision.coding
  headers.delete('content-length')
  headers.delete('accept-ranges')
  weakenEtag(headers)
  appendVary(headers, 'Accept-Encoding')
  if (coding === undefined) return new Response(body, { status: res.status, statusText: res.statusText, headers })
  const eventStream = (headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')
  headers.set('content-encoding', coding)
  return new Response(body.pipeThrough(encoder(coding, policy.levels, eventStream)), { status: res.status, statusText: res.statusText, headers, encodeBody: 'manual' })
}

/**
 * The client's own Accept-Encoding. Cloudflare rewrites the header a Worker sees to the codings its
 * edge handles (gzip, br) and keeps the original in request.cf.clientAcceptEncoding; without
 * it (a direct call) the header is the client's.
 */
function clientAcceptEncoding(req: Request): string | null {
  const original = (req.cf as { clientAcceptEncoding?: string } | undefined)?.clientAcceptEncoding
  return original !== undefined ? original : req.headers.get('accept-encoding')
}

function weakenEtag(headers: Headers): void {
  const etag = headers.get('etag')
  if (etag !== null && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`)
}
