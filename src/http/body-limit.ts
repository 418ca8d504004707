// A request body counted as it streams, for a size limit without reading the body into memory.
// Past the limit the stream fails and the request's signal aborts with BodyTooLarge: the abort
// makes the runtime drop the connection to the origin mid-body (a failed stream alone would let
// workerd end a chunked upload cleanly, and the origin would take a cut body for a whole one), and
// the forwarding stage, seeing its request's signal aborted by the client side, answers 413
// without blaming the upstream. Shared by security (which sets the limit) and forward (which sees
// the abort).
import { problem } from './problem.ts'

export class BodyTooLarge extends Error {
  readonly maxBodyBytes: number

  constructor(maxBodyBytes: number) {
    super(`request body larger than ${maxBodyBytes} bytes`)
    this.name = 'BodyTooLarge'
    this.maxBodyBytes = maxBodyBytes
  }
}

export function countBody(body: ReadableStream<Uint8Array>, maxBytes: number): { body: ReadableStream<Uint8Array>; signal: AbortSignal } {
  const controller = new AbortController()
  let seen = 0
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, out) {
      seen += chunk.byteLength
      if (seen <= maxBytes) {
        out.enqueue(chunk)
        return
      }
      const error = new BodyTooLarge(maxBytes)
      controller.abort(error)
      out.error(error)
    },
  })
  return { body: body.pipeThrough(counter), signal: controller.signal }
}

/**
 * The answer when the request's own signal aborted the exchange: 413 for a body past its limit,
 * otherwise the client went away (400; nobody reads it). Either way not the origin's failure.
 */
export function abortedByClient(reason: unknown, accept: string | null): Response {
  if (reason instanceof BodyTooLarge) {
    return problem(413, 'content-too-large', { title: 'Content Too Large', detail: `The request body is larger than ${reason.maxBodyBytes} bytes.`, accept })
  }
  return problem(400, 'request-aborted', { detail: 'The request was aborted before it was forwarded.', accept })
}
