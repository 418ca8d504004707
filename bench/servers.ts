// Start and stop what the benchmark measures: the origins (a process of their own) and workerd through
// Miniflare (Portico's bundle or the raw pass-through Worker); nginx and HAProxy are in
// reference-proxies.ts. Everything started is registered with a Stopper and stopped by its pid, also
// when the run fails.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { Miniflare } from 'miniflare'
import { unstable_readConfig } from 'wrangler'
import { childrenOf, pin, pinnedCommand, type Pinning } from './proc.ts'

/** A server under test: where to send requests and which processes to account. */
export interface RunningServer {
  url: string
  /** The processes whose CPU time and memory count as the server's (empty: not measured). */
  pids(): number[]
  /** From starting the process to the first answered request, when measured, and its two parts. */
  coldStart?: ColdStart
  stop(): Promise<void>
}

export interface ColdStart {
  totalMs: number
  /** Starting workerd through Miniflare until it listens (the script is loaded and evaluated). */
  runtimeMs: number
  /** The first request's answer (the config is parsed and compiled on first use). */
  firstRequestMs: number
}

/** Stops everything it was given, last started first, by pid. */
export class Stopper {
  readonly #stops: Array<() => Promise<void>> = []
  readonly #pids = new Set<number>()

  add(stop: () => Promise<void>, pids: readonly number[] = []): void {
    this.#stops.push(stop)
    for (const pid of pids) this.#pids.add(pid)
  }

  async stopAll(): Promise<void> {
    while (this.#stops.length > 0) {
      const stop = this.#stops.pop()
      await stop?.().catch(() => {})
    }
    this.#pids.clear()
  }

  /** Last resort on process exit (synchronous): signal whatever is still there. */
  killRemaining(): void {
    for (const pid of this.#pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
  }
}

export interface Origins {
  urls: readonly string[]
  pid: number
}

/** The demo origins in their own Node process, pinned to the client core. */
export async function startOrigins(pinning: Pinning, stopper: Stopper): Promise<Origins> {
  const script = path.resolve(import.meta.dirname, 'origin-server.ts')
  const [command, args] = pinnedCommand(pinning.clientCore, process.execPath, [script], pinning)
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  stopper.add(() => stopChild(child), child.pid ? [child.pid] : [])
  const line = await firstLine(child)
  const parsed = JSON.parse(line) as { urls: string[]; pid: number }
  return { urls: parsed.urls, pid: parsed.pid }
}

const wrangler = unstable_readConfig({ config: path.resolve(import.meta.dirname, '../wrangler.toml') }, {})

export interface WorkerSpec {
  /** The bundle to run (Portico's index.js, or the raw Worker). */
  scriptPath: string
  bindings: Record<string, string>
  /** Portico needs the Durable Objects and KV namespaces wrangler.toml declares (in memory here); the raw Worker none. */
  declaredBindings: boolean
  /** A request path that must answer 200 once the Worker is up (the first request, timed). */
  probePath: string
  /** Open workerd's inspector on this loopback port (bench/profile.ts); none by default. */
  inspectorPort?: number
}

/** One workerd process through Miniflare, pinned to the server core once it is up. */
export async function startWorker(spec: WorkerSpec, pinning: Pinning, stopper: Stopper): Promise<RunningServer> {
  const before = new Set(childrenOf(process.pid).map((c) => c.pid))
  const started = performance.now()
  const mf = new Miniflare({
    modules: true,
    scriptPath: spec.scriptPath,
    compatibilityDate: wrangler.compatibility_date,
    compatibilityFlags: wrangler.compatibility_flags,
    bindings: spec.bindings,
    durableObjects: spec.declaredBindings
      ? Object.fromEntries(wrangler.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, b.class_name]))
      : {},
    kvNamespaces: spec.declaredBindings ? (wrangler.kv_namespaces ?? []).map((k: { binding: string }) => k.binding) : [],
    host: '127.0.0.1',
    port: 0,
    cf: false,
    ...(spec.inspectorPort !== undefined ? { inspectorPort: spec.inspectorPort } : {}),
    // Portico logs a JSON line per request on stdout: workerd still writes it (that cost is
    // Portico's), but this process drops it rather than print millions of lines. Errors still show.
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.resume()
      showErrors(stderr)
    },
  })
  stopper.add(() => mf.dispose())
  const ready = await mf.ready
  const readyMs = performance.now() - started
  const workerd = childrenOf(process.pid).find((c) => c.name === 'workerd' && !before.has(c.pid))
  if (workerd) {
    stopper.add(async () => {}, [workerd.pid])
    pin(workerd.pid, pinning.serverCore, pinning)
  }
  const url = ready.href.replace(/\/$/, '')
  // Pinning took a moment; the first request is timed on its own and added to the start-up.
  const firstMs = await timeFirstResponse(url + spec.probePath)
  return {
    url,
    pids: () => (workerd ? [workerd.pid] : []),
    coldStart: { totalMs: readyMs + firstMs, runtimeMs: readyMs, firstRequestMs: firstMs },
    stop: () => mf.dispose(),
  }
}

/**
 * workerd's stderr, less what every load run causes: the load generator closes its connections at
 * the end, and workerd reports each write to a closed socket with its stack.
 */
function showErrors(stderr: Readable): void {
  let skipStack = false
  createInterface({ input: stderr }).on('line', (line) => {
    const closedByClient = /disconnected: .*(Broken pipe|Connection reset by peer)/.test(line)
    if (closedByClient || (skipStack && line.startsWith('stack:'))) {
      skipStack = closedByClient
      return
    }
    skipStack = false
    process.stderr.write(`${line}\n`)
  })
}

async function timeFirstResponse(url: string): Promise<number> {
  const started = performance.now()
  const res = await fetch(url)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} to its first request`)
  return performance.now() - started
}

async function firstLine(child: ChildProcess): Promise<string> {
  if (!child.stdout) throw new Error('no stdout')
  const lines = createInterface({ input: child.stdout })
  return await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)))
  })
}

/** SIGTERM by pid, SIGKILL after 3 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => {
    if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL')
  }, 3000)
  await exited
  clearTimeout(timer)
}
