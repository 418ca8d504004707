// Server-Timing (W3C Server Timing, https://www.w3.org/TR/server-timing/) on a response, for
// debugging: "edge" (arrival to response headers at Portico), "cache" (the cache stage's own time,
// upstream excluded) and "upstream" (waiting for the origin's headers, all attempts). It is off,
// on for every response, or on for a request that presents the admin token in the debug header:
// timings and pool names help an attacker probe the cache, so the default asks for the token.
// Upstream addresses never appear, only the pool's name.
import { sameSecret } from '../http/secret.ts'
import { cacheResultOf, type Journey } from './journey.ts'

export const SERVER_TIMING_MODES = ['off', 'on-request', 'always'] as const
export type ServerTimingMode = (typeof SERVER_TIMING_MODES)[number]

/** Whether this response gets Server-Timing. */
export async function wantsServerTiming(mode: ServerTimingMode, debugHeader: string | null, adminToken: string | undefined): Promise<boolean> {
  if (mode === 'always') return true
  if (mode === 'off' || debugHeader === null || !adminToken) return false
  return sameSecret(debugHeader.trim(), adminToken)
}

/** The header value: `edge;dur=12, cache;dur=1;desc="miss", upstream;dur=10;desc="web, 1 attempt"`. */
export function serverTimingValue(j: Journey): string {
  const metrics = [metric('edge', j.durationMs)]
  const cache = cacheResultOf(j.cacheStatus)
  if (cache !== undefined) metrics.push(metric('cache', j.cacheMs === undefined ? undefined : Math.max(0, j.cacheMs - (j.upstreamMs ?? 0)), cache))
  if (j.attempts > 0) metrics.push(metric('upstream', j.upstreamMs, `${j.pool ?? 'upstream'}, ${j.attempts} attempt${j.attempts === 1 ? '' : 's'}`))
  return metrics.join(', ')
}

/** One server-timing-metric: name, then dur and desc params (desc as a quoted-string, section 3). */
export function metric(name: string, durMs: number | undefined, desc?: string): string {
  let out = name
  if (durMs !== undefined && Number.isFinite(durMs)) out += `;dur=${Math.round(durMs * 10) / 10}`
  if (desc !== undefined) out += `;desc="${desc.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`
  return out
}
