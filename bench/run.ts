// `npm run bench`: what Portico costs per request, against the origin itself, a raw pass-through
// Worker in the same workerd, and nginx/HAProxy when installed. Builds the bundle as `wrangler deploy`
// would, starts every server on loopback (origins and load generator on one core, the proxy on the
// other), runs every row once per repetition in turn, and writes bench/results/latest.{json,md}.
//
//   npm run bench                      # 5 s per row, 3 repetitions (about 9 minutes)
//   npm run bench -- --quick           # 2 s per row, 1 repetition (results to partial.*.tmp)
//   npm run bench -- --only forward,routes-10000 --reps 5 --duration 3 --connections 64 --tool autocannon
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { chooseTool, type LoadTool } from './load.ts'
import { BUNDLE_DIR, buildBundle, describeMachine, describeSource, installedReferences } from './machine.ts'
import { measureRun } from './measure.ts'
import { peakRssBytes, pin, planPinning, type Pinning } from './proc.ts'
import { NOT_IN_ONLY, renderMarkdown, summarise, writeResults, type BenchResults, type RowResult, type RunResult } from './report.ts'
import { isPending, ROWS, type MeasuredRow } from './rows.ts'
import { startHaproxy, startNginx } from './reference-proxies.ts'
import { startOrigins, startWorker, Stopper, type Origins, type RunningServer } from './servers.ts'
import { checkTargets } from './targets.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    reps: { type: 'string' },
    connections: { type: 'string' },
    tool: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log(readFileSync(import.meta.filename, 'utf8').split('\nimport ')[0])
  process.exit(0)
}

const durationS = wholeNumber('duration', args.duration ?? (args.quick ? '2' : '5'))
const repetitions = wholeNumber('reps', args.reps ?? (args.quick ? '1' : '3'))
const connections = wholeNumber('connections', args.connections ?? '32')
const WARMUP_S = 1
const only = args.only?.split(',').map((s) => s.trim())
/** Anything short of the default run is written apart, so it never replaces the quoted results. */
const partial = args.quick || only !== undefined || durationS < 5 || repetitions < 3
process.chdir(path.resolve(import.meta.dirname, '..'))

const stopper = new Stopper()
process.on('exit', () => stopper.killRemaining())
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping everything the bench started`)
    void stopper.stopAll().then(() => process.exit(130))
  })
}

const started = performance.now()
const log = (msg: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}`)

try {
  await main()
} finally {
  await stopper.stopAll()
}

async function main(): Promise<void> {
  const pinning = planPinning(os.cpus().length)
  // This process only orchestrates, but keep it (and Miniflare's Node side) off the proxy's core.
  pin(process.pid, pinning.clientCore, pinning)

  log(`building the bundle (wrangler deploy --dry-run --outdir ${BUNDLE_DIR})`)
  const source = describeSource()
  const bundle = buildBundle()
  const { tool, version } = await chooseTool(args.tool)
  const references = installedReferences()
  log(`load generator: ${tool} ${version}; references: ${Object.entries(references).map(([k, v]) => `${k} ${v}`).join(', ') || 'none installed'}`)

  const results = planRows(references)
  const origins = await startOrigins(pinning, stopper)
  log(`origins: ${origins.urls.join(', ')}`)
  const servers = await startServers(results, origins, pinning)
  await runRepetitions(tool, servers, origins, pinning)

  const run: Omit<BenchResults, 'targets'> = {
    date: new Date().toISOString(),
    kind: partial ? 'partial' : 'full',
    machine: describeMachine(),
    source,
    load: { tool, version, durationS, repetitions, connections, warmupS: WARMUP_S },
    pinning: {
      enabled: pinning.enabled,
      clientCore: pinning.clientCore,
      serverCore: pinning.serverCore,
      description: pinning.enabled
        ? `origins (one Node process) and the load generator on core ${pinning.clientCore}; the proxy under test (workerd, nginx, HAProxy) on core ${pinning.serverCore}, with taskset.`
        : `none (${pinning.cores < 2 ? 'fewer than two cores' : 'taskset not found'}): every process shares every core.`,
    },
    references,
    bundle,
    rows: results,
    wallTimeS: Math.round((performance.now() - started) / 1000),
  }
  const full: BenchResults = { ...run, targets: checkTargets(run) }
  const files = partial ? writeResults(full, 'bench/results/partial', '.tmp') : writeResults(full, 'bench/results/latest')
  console.log(renderMarkdown(full))
  log(`wrote ${files.json} and ${files.md}`)
  for (const t of full.targets) log(`target ${t.status.toUpperCase().padEnd(7)} ${t.text}: ${t.detail}`)
}

/** Every row's result, empty: measured, or why not (pending capability, --only, tool missing). */
function planRows(references: Record<string, string>): RowResult[] {
  const wanted = new Set(only ? withBaselines(only) : ROWS.map((r) => r.id))
  return ROWS.map((row): RowResult => {
    const base = { id: row.id, group: row.group, label: row.label, runs: [] }
    if (isPending(row)) return { ...base, status: 'pending', note: row.pending }
    if (!wanted.has(row.id)) return { ...base, status: 'skipped', note: NOT_IN_ONLY }
    if ((row.target.kind === 'nginx' || row.target.kind === 'haproxy') && !references[row.target.kind]) {
      return { ...base, status: 'skipped', note: `${row.target.kind} is not installed` }
    }
    return { ...base, status: 'measured', baseline: row.baseline, connections: row.connections ?? connections }
  })
}

interface Started {
  row: MeasuredRow
  result: RowResult
  /** Undefined for the rows straight to the origin. */
  server: RunningServer | undefined
}

/** Each measured row gets its own server process, so its CPU time and peak memory are its own. */
async function startServers(results: RowResult[], origins: Origins, pinning: Pinning): Promise<Started[]> {
  const ready: Started[] = []
  for (const row of ROWS) {
    const result = results.find((r) => r.id === row.id) as RowResult
    if (isPending(row) || result.status !== 'measured') continue
    try {
      const server = await startServer(row, origins, pinning)
      result.coldStart = server?.coldStart
      await checkAnswer(row, urlFor(row, server, origins))
      ready.push({ row, result, server })
      log(`ready: ${row.id}${server?.coldStart ? ` (cold start ${server.coldStart.totalMs.toFixed(0)} ms, first request ${server.coldStart.firstRequestMs.toFixed(0)} ms)` : ''}`)
    } catch (err) {
      result.status = 'failed'
      result.note = (err as Error).message.split('\n')[0]
      log(`FAILED to start ${row.id}: ${(err as Error).message}`)
    }
  }
  return ready
}

function startServer(row: MeasuredRow, origins: Origins, pinning: Pinning): Promise<RunningServer | undefined> {
  const t = row.target
  switch (t.kind) {
    case 'origin':
      return Promise.resolve(undefined)
    case 'raw':
      return startWorker({ scriptPath: path.resolve('bench', t.script ?? 'raw-worker.js'), bindings: { UPSTREAM: origins.urls[0] as string }, declaredBindings: false, probePath: row.path }, pinning, stopper)
    case 'portico':
      return startWorker({ scriptPath: path.resolve(BUNDLE_DIR, 'index.js'), bindings: t.bindings(origins), declaredBindings: true, probePath: row.path }, pinning, stopper)
    case 'nginx':
      return startNginx(t.upstreams(origins), pinning, stopper)
    case 'haproxy':
      return startHaproxy(t.upstreams(origins), pinning, stopper)
  }
}

/** A warm-up pass, then every row once per repetition in turn (A B C A B C …), ratios within each. */
async function runRepetitions(tool: LoadTool, started: Started[], origins: Origins, pinning: Pinning): Promise<void> {
  const runOnce = (s: Started, seconds: number) =>
    measureRun(
      tool,
      { url: urlFor(s.row, s.server, origins), connections: s.row.connections ?? connections, headers: s.row.headers, uniqueQuery: s.row.uniqueQuery, pids: s.server?.pids() ?? [], originPid: origins.pid },
      seconds,
      pinning,
    )

  log(`warm-up: ${WARMUP_S} s per row`)
  for (const s of started) await runOnce(s, WARMUP_S).catch(() => undefined)

  for (let rep = 1; rep <= repetitions; rep++) {
    const byId = new Map<string, RunResult>()
    for (const s of started) {
      try {
        const run = await runOnce(s, durationS)
        byId.set(s.row.id, run)
        s.result.runs.push(run)
        const spoiled = run.badResponses + run.errors
        if (spoiled > 0) s.result.note = `${spoiled} bad responses or errors in repetition ${rep}`
        log(
          `rep ${rep}/${repetitions} ${s.row.id.padEnd(16)} ${run.requestsPerS.toFixed(0).padStart(7)} req/s  p50 ${run.p50Ms.toFixed(2)} ms  p99 ${run.p99Ms.toFixed(2)} ms` +
            (run.cpuUsPerRequest === undefined ? '' : `  ${run.cpuUsPerRequest.toFixed(1)} µs CPU/req (${run.proxyCpuPercent?.toFixed(0)}% of a core)`) +
            (run.otherLoadPercent !== undefined && run.otherLoadPercent > 15 ? `  [others used ${run.otherLoadPercent.toFixed(0)}% of a core]` : ''),
        )
      } catch (err) {
        s.result.note = `repetition ${rep}: ${(err as Error).message.split('\n')[0]}`
        log(`rep ${rep} ${s.row.id} FAILED: ${(err as Error).message}`)
      }
    }
    // Each row against its baseline measured moments before or after, in the same repetition.
    for (const s of started) {
      const run = byId.get(s.row.id)
      const base = s.row.baseline ? byId.get(s.row.baseline) : undefined
      if (!run || !base) continue
      if (base.requestsPerS > 0) run.ratio = run.requestsPerS / base.requestsPerS
      if (run.cpuUsPerRequest !== undefined && base.cpuUsPerRequest !== undefined) run.extraCpuUsPerRequest = run.cpuUsPerRequest - base.cpuUsPerRequest
    }
  }

  for (const s of started) {
    if (s.result.runs.length === 0) s.result.status = 'failed'
    s.result.median = summarise(s.result.runs)
    const peaks = (s.server?.pids() ?? []).map(peakRssBytes)
    if (peaks.length > 0 && peaks.every((p) => p !== undefined)) s.result.peakRssBytes = (peaks as number[]).reduce((a, b) => a + b, 0)
  }
}

function urlFor(row: MeasuredRow, server: RunningServer | undefined, origins: Origins): string {
  return (server?.url ?? (origins.urls[0] as string)) + row.path
}

/**
 * A request before the load: the row must answer 200 with the whole body (and the header that shows
 * its stage ran), or it is not measured. Asked up to three times, as a cache stores in the background.
 */
async function checkAnswer(row: MeasuredRow, url: string): Promise<void> {
  let problem = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const res = await fetch(row.uniqueQuery ? `${url}${url.includes('?') ? '&' : '?'}bench-id=check-${attempt}` : url, { headers: row.headers })
    // An encoded body may come decoded (fetch undoes gzip and br) or not: its size is not checked.
    const body = await res.arrayBuffer()
    const header = row.expectHeader ? res.headers.get(row.expectHeader.name) : undefined
    if (res.status !== 200 || (row.expectBytes !== undefined && body.byteLength !== row.expectBytes)) {
      problem = `${row.path} answered ${res.status} with ${body.byteLength} bytes; expected 200 with ${row.expectBytes}`
    } else if (row.expectHeader && (header === null || !header?.includes(row.expectHeader.includes ?? ''))) {
      problem = `${row.path} answered ${row.expectHeader.name}: ${header ?? '(none)'}; expected ${row.expectHeader.includes ? `it to include "${row.expectHeader.includes}"` : 'the header'}`
    } else {
      return
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(problem)
}

/** The ids asked for, and the baselines their ratios need. */
function withBaselines(ids: readonly string[]): string[] {
  const all = new Set(ids)
  for (const id of ids) {
    const row = ROWS.find((r) => r.id === id)
    if (!row) throw new Error(`--only: no row '${id}'; rows: ${ROWS.map((r) => r.id).join(', ')}`)
    if (!isPending(row) && row.baseline) all.add(row.baseline)
  }
  return [...all]
}

function wholeNumber(name: string, value: string): number {
  const n = Number(value)
  if (Number.isInteger(n) && n >= 1) return n
  console.error(`--${name} must be a whole number ≥ 1; got ${value}`)
  process.exit(2)
}
