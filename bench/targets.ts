// The targets the issue sets, checked against a run's results (never by a timed unit test). The bench
// exits 0 either way; the report says which targets failed and by how much.
import type { BenchResults, RowResult } from './report.ts'

/** pending: its capability is not built yet; unmeasured: its row did not run this time. */
export type TargetStatus = 'pass' | 'fail' | 'pending' | 'unmeasured'

export interface TargetCheck {
  id: string
  text: string
  status: TargetStatus
  detail: string
}

const FORWARD_MIN_RATIO = 0.9
const BUNDLE_MAX_GZIP_BYTES = 200 * 1024

export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const row = (id: string) => results.rows.find((r) => r.id === id)
  return [
    ratioTarget('forward-throughput', `Portico forwarding only at ≥ ${FORWARD_MIN_RATIO}× the raw pass-through's throughput`, row('forward'), (r) => r >= FORWARD_MIN_RATIO, FORWARD_MIN_RATIO),
    ratioTarget('cache-hit-faster', 'Cache hits faster than the raw pass-through (> 1.0× its throughput)', row('cache-hit'), (r) => r > 1, 1),
    {
      id: 'bundle-size',
      text: 'Bundle under 200 KiB gzip',
      status: results.bundle.gzipBytes < BUNDLE_MAX_GZIP_BYTES ? 'pass' : 'fail',
      detail:
        results.bundle.gzipBytes < BUNDLE_MAX_GZIP_BYTES
          ? `${kib(results.bundle.gzipBytes)} gzip (${kib(BUNDLE_MAX_GZIP_BYTES - results.bundle.gzipBytes)} to spare)`
          : `${kib(results.bundle.gzipBytes)} gzip, ${kib(results.bundle.gzipBytes - BUNDLE_MAX_GZIP_BYTES)} over`,
    },
  ]
}

function ratioTarget(id: string, text: string, row: RowResult | undefined, ok: (ratio: number) => boolean, bound: number): TargetCheck {
  if (!row || row.status === 'pending') return { id, text, status: 'pending', detail: `not measured: ${row?.note ?? 'no such row'}` }
  if (row.status === 'skipped') return { id, text, status: 'unmeasured', detail: `not measured in this run (${row.note})` }
  const ratio = row.median?.ratio
  if (ratio === undefined) return { id, text, status: 'fail', detail: `no measurement (${row.note ?? row.status})` }
  if (ok(ratio)) return { id, text, status: 'pass', detail: `${ratio.toFixed(2)}× the raw pass-through` }
  return { id, text, status: 'fail', detail: `${ratio.toFixed(2)}× the raw pass-through: ${(((bound - ratio) / bound) * 100).toFixed(0)}% short of ${bound}×` }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
