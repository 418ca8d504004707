// The observability settings, compiled once per config: log level, when Server-Timing is sent,
// the debug header, metrics, and extra names to redact. Pure.
import type { LogLevel } from './log.ts'
import type { Redaction } from './redact.ts'
import type { ServerTimingMode } from './server-timing.ts'

export interface ObservabilitySettings {
  logLevel?: LogLevel
  serverTiming?: ServerTimingMode
  debugHeader?: string
  metrics?: boolean
  metricsFlushMs?: number
  redactHeaders?: string[]
  redactQuery?: string[]
}

export interface ObservabilityPolicy {
  logLevel: LogLevel
  serverTiming: ServerTimingMode
  /** Lower case; never forwarded to an origin. */
  debugHeader: string
  metrics: boolean
  metricsFlushMs: number
  redaction: Redaction
}

export const DEFAULT_DEBUG_HEADER = 'portico-debug'
const DEFAULT_METRICS_FLUSH_MS = 5_000

export function compileObservability(s: ObservabilitySettings = {}): ObservabilityPolicy {
  const debugHeader = (s.debugHeader ?? DEFAULT_DEBUG_HEADER).toLowerCase()
  return {
    logLevel: s.logLevel ?? 'info',
    serverTiming: s.serverTiming ?? 'on-request',
    debugHeader,
    metrics: s.metrics ?? true,
    metricsFlushMs: s.metricsFlushMs ?? DEFAULT_METRICS_FLUSH_MS,
    redaction: {
      // The debug header carries the admin token.
      headers: new Set([debugHeader, ...(s.redactHeaders ?? []).map((h) => h.toLowerCase())]),
      query: new Set((s.redactQuery ?? []).map((q) => q.toLowerCase())),
    },
  }
}
