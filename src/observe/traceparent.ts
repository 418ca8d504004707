// W3C Trace Context (https://www.w3.org/TR/trace-context/): a valid traceparent is passed to the
// origin unchanged, with its tracestate; a missing or invalid one is replaced by a new trace, and
// tracestate without a valid traceparent is dropped (section 3.3.2).
import { hex } from '../http/bytes.ts'

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

export function isValidTraceparent(value: string): boolean {
  const m = TRACEPARENT.exec(value.trim())
  if (!m) return false
  const [, version, traceId, parentId] = m
  if (version === 'ff') return false
  if (version === '00' && m[5] !== undefined) return false // version 00 has exactly four fields
  return !/^0+$/.test(traceId ?? '') && !/^0+$/.test(parentId ?? '')
}

/** Lower-case hex of bytes[from, to); an all-zero id (invalid in trace context) ends in 01 instead. */
function hexId(bytes: Uint8Array, from: number, to: number): string {
  const id = hex(bytes, from, to)
  return bytes.subarray(from, to).some((b) => b !== 0) ? id : `${id.slice(0, -2)}01`
}

/** A new sampled-off traceparent from 24 random bytes (trace id 16, parent id 8). */
export function newTraceparent(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(24)
  return `00-${hexId(bytes, 0, 16)}-${hexId(bytes, 16, 24)}-00`
}

/** The request's trace: its traceparent when valid, else a new one (logged, and sent to the origin). */
export function traceparentFor(incoming: string | null, randomBytes: (n: number) => Uint8Array): string {
  return incoming !== null && isValidTraceparent(incoming) ? incoming.trim() : newTraceparent(randomBytes)
}

/**
 * Make the outgoing headers carry valid trace context: a missing or invalid traceparent becomes
 * `started` (the trace this request's log line names) or, without one, a new trace.
 */
export function propagateTraceContext(headers: Headers, randomBytes: (n: number) => Uint8Array, started?: string): void {
  const current = headers.get('traceparent')
  if (current !== null && isValidTraceparent(current)) return
  headers.delete('tracestate')
  headers.set('traceparent', started !== undefined && isValidTraceparent(started) ? started : newTraceparent(randomBytes))
}
