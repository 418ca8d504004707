// Workers Analytics Engine: one data point per request when a dataset is bound as ANALYTICS
// (README "Observability"), for long-term queries with SQL; absent, nothing is written.
// writeDataPoint does not wait for anything, so it costs the request no I/O. The field order is
// the dataset's schema: change it only by appending.
import { cacheResultOf, type Journey } from './journey.ts'

export const ANALYTICS_BINDING = 'ANALYTICS'
/** Analytics Engine's limit on the index, bytes. */
const MAX_INDEX_BYTES = 96

export function dataPointOf(j: Journey): AnalyticsEngineDataPoint {
  const status = j.status ?? 0
  return {
    indexes: [truncate(j.route ?? '(none)', MAX_INDEX_BYTES)],
    // blob1..blob11
    blobs: [
      j.route ?? '',
      j.pool ?? '',
      j.upstream ?? '',
      cacheResultOf(j.cacheStatus) ?? '',
      j.variant ?? '',
      j.rateLimit?.decision ?? '',
      j.rateLimit?.rule ?? '',
      j.method,
      j.host,
      j.colo ?? '',
      `${Math.floor(status / 100)}xx`,
    ],
    // double1..double5
    doubles: [status, j.durationMs ?? 0, j.upstreamMs ?? 0, j.cacheMs ?? 0, j.attempts],
  }
}

export function writeAnalytics(env: Record<string, unknown>, j: Journey): void {
  const dataset = env[ANALYTICS_BINDING] as AnalyticsEngineDataset | undefined
  if (!dataset || typeof dataset.writeDataPoint !== 'function') return
  try {
    dataset.writeDataPoint(dataPointOf(j))
  } catch (err) {
    console.warn(JSON.stringify({ level: 'warn', message: 'analytics write failed', requestId: j.requestId, error: String(err) }))
  }
}

function truncate(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text)
  if (bytes.byteLength <= maxBytes) return text
  return new TextDecoder().decode(bytes.slice(0, maxBytes)).replace(/\uFFFD$/, '')
}
