// A run's results: the medians per row and their ratios, written as JSON (everything, every
// repetition) and as Markdown (the tables the README quotes).
import { writeFileSync } from 'node:fs'
import type { LoadResult } from './load.ts'
import { GROUP_TITLES, type Group } from './rows.ts'
import type { ColdStart } from './servers.ts'
import type { TargetCheck } from './targets.ts'

/** One repetition of one row. */
export interface RunResult extends LoadResult {
  /** This row's throughput divided by its baseline's in the same repetition. */
  ratio?: number
  /** This row's proxy CPU per request less its baseline's, in the same repetition: what Portico adds. */
  extraCpuUsPerRequest?: number
  /** CPU time (user + system, all threads) of the proxy's processes per request, in microseconds. */
  cpuUsPerRequest?: number
  /** The proxy's processes' CPU time over the run's wall time: 100 means one core fully used. */
  proxyCpuPercent?: number
  /** How busy each core was (all processes), in percent of the wall time, from /proc/stat. */
  clientCoreBusyPercent?: number
  serverCoreBusyPercent?: number
  /**
   * CPU used meanwhile by processes that are not the bench's (machine busy time less the proxy, the
   * origins, this process and the load generator), in percent of one core: noise in the numbers.
   */
  otherLoadPercent?: number
}

export type Summary = Required<Pick<RunResult, 'requestsPerS' | 'bytesPerS' | 'p50Ms' | 'p99Ms'>> &
  Pick<RunResult, 'ratio' | 'cpuUsPerRequest' | 'extraCpuUsPerRequest' | 'proxyCpuPercent' | 'clientCoreBusyPercent' | 'serverCoreBusyPercent' | 'otherLoadPercent'>

export interface RowResult {
  id: string
  group: Group
  label: string
  /** measured; pending (capability not built); skipped (tool not installed, or --only); failed (see note). */
  status: 'measured' | 'pending' | 'skipped' | 'failed'
  note?: string
  baseline?: string
  connections?: number
  runs: RunResult[]
  /** Medians over the repetitions. */
  median?: Summary
  /** VmHWM of the proxy's processes at the end of the run (the whole workerd process: runtime included). */
  peakRssBytes?: number
  /** Starting workerd through Miniflare until the first request's answer, config compile included. */
  coldStart?: ColdStart
}

export interface BenchResults {
  date: string
  kind: 'full' | 'partial'
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string; workerd: string }
  source: { commit: string; uncommittedChanges: boolean }
  load: { tool: string; version: string; durationS: number; repetitions: number; connections: number; warmupS: number }
  pinning: { enabled: boolean; clientCore: number; serverCore: number; description: string }
  references: Record<string, string>
  bundle: { file: string; rawBytes: number; gzipBytes: number }
  rows: RowResult[]
  targets: TargetCheck[]
  wallTimeS: number
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function summarise(runs: readonly RunResult[]): Summary | undefined {
  if (runs.length === 0) return undefined
  const of = (key: keyof RunResult) => median(runs.map((r) => r[key]).filter((v): v is number => typeof v === 'number'))
  return {
    requestsPerS: of('requestsPerS') ?? 0,
    bytesPerS: of('bytesPerS') ?? 0,
    p50Ms: of('p50Ms') ?? 0,
    p99Ms: of('p99Ms') ?? 0,
    ratio: of('ratio'),
    cpuUsPerRequest: of('cpuUsPerRequest'),
    extraCpuUsPerRequest: of('extraCpuUsPerRequest'),
    proxyCpuPercent: of('proxyCpuPercent'),
    clientCoreBusyPercent: of('clientCoreBusyPercent'),
    serverCoreBusyPercent: of('serverCoreBusyPercent'),
    otherLoadPercent: of('otherLoadPercent'),
  }
}

export function writeResults(results: BenchResults, prefix: string, suffix = ''): { json: string; md: string } {
  const json = `${prefix}.json${suffix}`
  const md = `${prefix}.md${suffix}`
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(md, renderMarkdown(results))
  return { json, md }
}

export const NOT_IN_ONLY = 'not in --only'

const STATUS_WORD = { pass: 'PASS', fail: 'FAIL', pending: 'NOT MEASURED YET', unmeasured: 'NOT MEASURED' } as const

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = []
  out.push(`# Portico benchmark, ${r.date.slice(0, 10)}`, '')
  if (r.kind === 'partial') out.push('**Partial run** (`--quick` or `--only`): fewer or shorter repetitions than the default; not for quoting.', '')
  out.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os}; Node ${r.machine.node}; workerd ${r.machine.workerd} (Miniflare).`,
    `Load: ${r.load.tool} ${r.load.version}, ${r.load.connections} connections (8 for 10 MiB bodies), keep-alive, ${r.load.durationS} s per row after a ${r.load.warmupS} s warm-up, ` +
      `${r.load.repetitions} repetition${r.load.repetitions === 1 ? '' : 's'} interleaved (every row once per repetition, in turn); medians. Loopback only.`,
    `Pinning: ${r.pinning.description}`,
    `Code: commit ${r.source.commit}${r.source.uncommittedChanges ? ' with uncommitted changes in src/' : ''}. Bundle: ${kib(r.bundle.rawBytes)}, **${kib(r.bundle.gzipBytes)} gzip** (\`${r.bundle.file}\`).` +
      (Object.keys(r.references).length > 0 ? ` References: ${Object.entries(r.references).map(([k, v]) => `${k} ${v}`).join(', ')}.` : ''),
    noiseLine(r),
    '',
    '## Targets',
    '',
    '| target | result | detail |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.text} | **${STATUS_WORD[t.status]}** | ${t.detail} |`),
    '',
  )
  // Rows left out with --only are not shown; rows whose tool is missing are, with the reason.
  const shown = r.rows.filter((row) => row.note !== NOT_IN_ONLY)
  out.push('## Summary', '', ...renderSummary(r, shown), '')
  for (const group of [...new Set(shown.map((row) => row.group))]) {
    out.push(`## ${GROUP_TITLES[group]}`, '')
    out.push('| row | req/s | × raw | MiB/s | p50 ms | p99 ms | proxy CPU µs/req | CPU vs raw | proxy CPU % | peak RSS | cold start (first request) |')
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    for (const row of shown.filter((x) => x.group === group)) out.push(renderRow(row))
    out.push('')
  }
  out.push(
    '## How to read this',
    '',
    '- **× raw**: the row\'s throughput divided by the raw pass-through Worker\'s at the same body size, in the same repetition; the median of those ratios. ' +
      'The raw Worker (`bench/raw-worker.js`) runs in the same workerd through Miniflare, so both pay for the runtime and Miniflare\'s entry Worker alike.',
    '- **proxy CPU µs/req**: user + system CPU time of the proxy\'s process (workerd, all threads; nginx master and worker; HAProxy) over the row, divided by the requests served. ' +
      'It includes background work such as health probes and reports. With two cores, throughput can be limited by the client core (origin + load generator); CPU per request is then the fairer cost.',
    '- **CPU vs raw**: proxy CPU µs/req less the raw pass-through\'s at the same body size, in the same repetition (median): what the row adds per request on top of the platform\'s floor.',
    '- **proxy CPU %**: that CPU time over the load\'s duration (100 = the proxy\'s core saturated; below, the client core or the latency of the chain is the limit).',
    '- **peak RSS**: VmHWM of the proxy\'s process at the end of the run; each row has its own process, so it is that configuration\'s peak, and for workerd it covers the whole process (runtime, Miniflare\'s entry Worker, Portico).',
    '- **cold start**: from starting workerd (through Miniflare) to the answer of the first request; in brackets that first request alone, which parses and compiles the config.',
    '- **cache rows**: locally, the Cache API is Miniflare\'s simulator, a Worker with SQLite and a blob store inside the same workerd process, so its CPU is counted with Portico\'s and a hit is still a subrequest. ' +
      'On Cloudflare the cache is outside the Worker; these rows overstate a hit\'s and a store\'s cost.',
    '- **rate limiting rows**: one key (every request counts against the same counter), a limit never reached, a 60 s period (so the counter\'s state is also written to storage). ' +
      'The counter Durable Object runs in the same workerd process and its CPU is counted; on Cloudflare it is another machine, a network round trip away in exact mode.',
    '- **not available yet**: the capability is not built; its row is defined in `bench/rows.ts` and is measured once it lands. No number is shown until then.',
    '',
  )
  return out.join('\n')
}

/**
 * One compact table of every row (the README quotes it): throughput and its ratio to the raw
 * pass-through, latency, and the proxy's CPU per request with what it adds to the raw Worker's.
 */
export function renderSummary(r: BenchResults, rows: readonly RowResult[] = r.rows): string[] {
  const lines = ['| row | req/s | × raw | p50 / p99 ms | CPU µs/req (vs raw) | peak RSS | cold start |', '|---|--:|--:|--:|--:|--:|--:|']
  for (const row of rows) {
    const m = row.median
    if (row.status === 'pending') {
      lines.push(`| ${row.label} | *not available yet* | | | | | |`)
      continue
    }
    if (!m) {
      lines.push(`| ${row.label} | *${row.status}*${row.note ? ` (${row.note})` : ''} | | | | | |`)
      continue
    }
    const cpu = m.cpuUsPerRequest === undefined ? '—' : fmt(m.cpuUsPerRequest, 0)
    const extra = m.extraCpuUsPerRequest === undefined || row.id === row.baseline ? '' : ` (${m.extraCpuUsPerRequest >= 0 ? '+' : '−'}${fmt(Math.abs(m.extraCpuUsPerRequest), 0)})`
    const noisy = m.otherLoadPercent !== undefined && m.otherLoadPercent > NOISY_PERCENT ? ' †' : ''
    lines.push(
      `| ${row.label}${noisy} | ${fmt(m.requestsPerS, 0)} | ${m.ratio === undefined ? '' : `${m.ratio.toFixed(2)}×`} | ${fmt(m.p50Ms, 1)} / ${fmt(m.p99Ms, 1)} | ${cpu}${extra} | ` +
        `${row.peakRssBytes === undefined ? '—' : `${(row.peakRssBytes / (1024 * 1024)).toFixed(0)} MiB`} | ${row.coldStart === undefined ? '—' : `${row.coldStart.totalMs.toFixed(0)} ms`} |`,
    )
  }
  if (lines.some((l) => l.includes(' † |'))) lines.push('', `† Other processes used more than ${NOISY_PERCENT}% of a core during this row (median): its throughput and latency are less certain than its CPU per request.`)
  return lines
}

/** A row measured while other processes took more than this share of a core is marked. */
const NOISY_PERCENT = 15

function noiseLine(r: BenchResults): string {
  const other = r.rows.flatMap((row) => row.runs.map((run) => run.otherLoadPercent)).filter((v): v is number => v !== undefined)
  if (other.length === 0) return 'Other load: not measured (no /proc).'
  const mid = median(other) as number
  const max = Math.max(...other)
  return `Other load: processes that are not the bench's used a median ${mid.toFixed(0)}% of a core during the rows (at most ${max.toFixed(0)}%)` +
    (max > NOISY_PERCENT ? `; rows whose median exceeds ${NOISY_PERCENT}% are marked *noisy*.` : '; the machine was quiet.')
}

function renderRow(row: RowResult): string {
  const notes = [row.note]
  const other = row.median?.otherLoadPercent
  if (other !== undefined && other > NOISY_PERCENT) notes.push(`noisy: other processes used ${other.toFixed(0)}% of a core`)
  const note = notes.filter(Boolean).join('; ')
  const label = note ? `${row.label} — *${note}*` : row.label
  if (row.status === 'pending') return `| ${row.label} | *not available yet* (${row.note}) | | | | | | | | | |`
  if (!row.median) return `| ${label} | *${row.status}* | | | | | | | | | |`
  const m = row.median
  return [
    '',
    label,
    fmt(m.requestsPerS, 0),
    m.ratio === undefined ? '' : `${m.ratio.toFixed(2)}×`,
    fmt(m.bytesPerS / (1024 * 1024), m.bytesPerS > 100 * 1024 * 1024 ? 0 : 1),
    fmt(m.p50Ms, 2),
    fmt(m.p99Ms, 2),
    m.cpuUsPerRequest === undefined ? '—' : fmt(m.cpuUsPerRequest, m.cpuUsPerRequest >= 100 ? 0 : 1),
    m.extraCpuUsPerRequest === undefined || row.id === row.baseline ? '' : `${m.extraCpuUsPerRequest >= 0 ? '+' : '−'}${fmt(Math.abs(m.extraCpuUsPerRequest), 0)}`,
    m.proxyCpuPercent === undefined ? '—' : `${m.proxyCpuPercent.toFixed(0)}%`,
    row.peakRssBytes === undefined ? '—' : `${(row.peakRssBytes / (1024 * 1024)).toFixed(0)} MiB`,
    row.coldStart === undefined ? '—' : `${row.coldStart.totalMs.toFixed(0)} ms (${row.coldStart.firstRequestMs.toFixed(0)})`,
    '',
  ].join(' | ').trim()
}

const fmt = (n: number, digits: number) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
