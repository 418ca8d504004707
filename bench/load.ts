// The load generator: wrk (Debian's package) when it is on PATH, else autocannon (npm). Either runs
// as a process of its own, pinned to the client core, for a fixed time and number of connections,
// against a loopback URL only. Both report the same shape.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { promisify } from 'node:util'
import { pinnedCommand, type Pinning } from './proc.ts'

const run = promisify(execFile)

export type LoadTool = 'wrk' | 'autocannon'

export interface LoadSpec {
  url: string
  durationS: number
  connections: number
  headers?: Record<string, string>
  /** A query parameter of its own on every request. */
  uniqueQuery?: boolean
}

export interface LoadResult {
  requests: number
  durationS: number
  requestsPerS: number
  bytesPerS: number
  p50Ms: number
  p99Ms: number
  /** Responses that were not 2xx/3xx, and socket errors or timeouts: any of these spoils the row. */
  badResponses: number
  errors: number
}

/** wrk when installed, unless autocannon is asked for. */
export async function chooseTool(wanted?: string): Promise<{ tool: LoadTool; version: string }> {
  if (wanted && wanted !== 'wrk' && wanted !== 'autocannon') throw new Error(`--tool must be wrk or autocannon; got ${wanted}`)
  if (wanted !== 'autocannon') {
    // wrk prints its version with the usage text and exits 1; when it is not installed, stdout is empty.
    const out = await run('wrk', ['--version']).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }))
    const version = /wrk (\S+)/.exec(out.stdout)?.[1]
    if (version) return { tool: 'wrk', version }
    if (wanted === 'wrk') throw new Error('wrk is not installed (apt-get install wrk), or leave out --tool')
  }
  const pkg = createRequire(import.meta.url)('autocannon/package.json') as { version: string }
  return { tool: 'autocannon', version: pkg.version }
}

export async function generateLoad(tool: LoadTool, spec: LoadSpec, pinning: Pinning): Promise<LoadResult> {
  const url = new URL(spec.url)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`refusing to load ${url.host}: loopback only`)
  return tool === 'wrk' ? runWrk(spec, pinning) : runAutocannon(spec, pinning)
}

async function runWrk(spec: LoadSpec, pinning: Pinning): Promise<LoadResult> {
  const args = ['-t1', `-c${spec.connections}`, `-d${Math.round(spec.durationS)}s`, '--timeout', '30s', '-s', path.join(import.meta.dirname, 'wrk-report.lua')]
  for (const [name, value] of Object.entries(spec.headers ?? {})) args.push('-H', `${name}: ${value}`)
  args.push(spec.url)
  const [command, full] = pinnedCommand(pinning.clientCore, 'wrk', args, pinning)
  // A prefix of its own per run, so a later run does not ask for what an earlier one stored.
  const env = spec.uniqueQuery ? { ...process.env, BENCH_UNIQUE_PREFIX: randomUUID().slice(0, 8) } : process.env
  const { stdout } = await run(command, full, { timeout: (spec.durationS + 60) * 1000, maxBuffer: 1 << 20, env })
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '))
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`)
  const r = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number
    durationUs: number
    bytes: number
    connectErrors: number
    readErrors: number
    writeErrors: number
    statusErrors: number
    timeouts: number
    p50Us: number
    p99Us: number
  }
  const durationS = r.durationUs / 1e6
  return {
    requests: r.requests,
    durationS,
    requestsPerS: r.requests / durationS,
    bytesPerS: r.bytes / durationS,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    badResponses: r.statusErrors,
    errors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts,
  }
}

async function runAutocannon(spec: LoadSpec, pinning: Pinning): Promise<LoadResult> {
  const options = {
    // autocannon puts a new id in place of [<id>] in every request, the URL's included.
    url: spec.uniqueQuery ? `${spec.url}${spec.url.includes('?') ? '&' : '?'}bench-id=[<id>]` : spec.url,
    connections: spec.connections,
    durationS: spec.durationS,
    headers: spec.headers,
    idReplacement: spec.uniqueQuery,
  }
  const runner = path.join(import.meta.dirname, 'autocannon-run.ts')
  const [command, full] = pinnedCommand(pinning.clientCore, process.execPath, [runner, JSON.stringify(options)], pinning)
  const { stdout } = await run(command, full, { timeout: (spec.durationS + 60) * 1000, maxBuffer: 16 << 20 })
  const r = JSON.parse(stdout) as {
    requests: { total: number }
    throughput: { total: number }
    latency: { p50: number; p99: number }
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    '3xx': number
  }
  return {
    requests: r.requests.total,
    durationS: r.duration,
    requestsPerS: r.requests.total / r.duration,
    bytesPerS: r.throughput.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    // autocannon's non2xx counts 3xx too; a bench row never expects a redirect.
    badResponses: r.non2xx,
    errors: r.errors + r.timeouts,
  }
}
