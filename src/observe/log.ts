// The request log: one JSON object per request on one line, written with console.log so that
// `wrangler tail` shows it and Workers Logs indexes its fields. The level decides which requests
// are written (a 5xx is "warn", the rest "info") and "debug" adds the request's headers, with
// credentials hidden (redact.ts). Pure apart from emit().
import { cacheResultOf, type Journey } from './journey.ts'
import { redactHeaders, redactQuery, type Redaction } from './redact.ts'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'off'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 }

export function isLogged(level: Exclude<LogLevel, 'off'>, threshold: LogLevel): boolean {
  return RANK[level] >= RANK[threshold]
}

/** A response Portico or the origin failed: 5xx. A 4xx is the client's, not an operator's, problem. */
export function requestLevel(status: number): 'info' | 'warn' {
  return status >= 500 ? 'warn' : 'info'
}

/** The fields of one request's line. Absent facts are null, so every line has the same keys. */
export interface RequestLine {
  level: 'info' | 'warn'
  message: 'request'
  time: string
  requestId: string
  traceId: string | null
  method: string
  host: string
  path: string
  query: string | null
  status: number | null
  route: string | null
  pool: string | null
  upstream: string | null
  attempts: number
  cache: string | null
  cacheStatus: string | null
  variant: string | null
  rateLimit: string | null
  rateLimitRule: string | null
  durationMs: number | null
  upstreamMs: number | null
  cacheMs: number | null
  colo: string | null
  requestHeaders?: Record<string, string>
}

export function requestLine(j: Journey, redaction: Redaction, debugHeaders?: Headers): RequestLine {
  const status = j.status ?? null
  const line: RequestLine = {
    level: requestLevel(status ?? 0),
    message: 'request',
    time: new Date(j.startedAt).toISOString(),
    requestId: j.requestId,
    traceId: traceIdOf(j.traceparent),
    method: j.method,
    host: j.host,
    path: j.path,
    query: j.query ? redactQuery(j.query, redaction) : null,
    status,
    route: j.route ?? null,
    pool: j.pool ?? null,
    upstream: j.upstream ?? null,
    attempts: j.attempts,
    cache: cacheResultOf(j.cacheStatus) ?? null,
    cacheStatus: j.cacheStatus ?? null,
    variant: j.variant ?? null,
    rateLimit: j.rateLimit?.decision ?? null,
    rateLimitRule: j.rateLimit?.rule ?? null,
    durationMs: j.durationMs ?? null,
    upstreamMs: j.upstreamMs ?? null,
    cacheMs: j.cacheMs ?? null,
    colo: j.colo ?? null,
  }
  if (debugHeaders) line.requestHeaders = redactHeaders(debugHeaders, redaction)
  return line
}

/** The trace id of a traceparent (version-trace id-parent id-flags), without a regular expression per request. */
function traceIdOf(traceparent: string): string | null {
  return traceparent.length >= 55 && traceparent[2] === '-' && traceparent[35] === '-' ? traceparent.slice(3, 35) : null
}

/** Write one line when its level passes the threshold. */
export function emit(line: { level: Exclude<LogLevel, 'off'> }, threshold: LogLevel): void {
  if (!isLogged(line.level, threshold)) return
  const text = JSON.stringify(line)
  if (line.level === 'error') console.error(text)
  else if (line.level === 'warn') console.warn(text)
  else console.log(text)
}
