// Start and stop what the benchmark measures: the origins (a process of their own), workerd through
// Miniflare (Portico's bundle or the raw pass-through Worker), nginx and HAProxy. Everything started
// is registered with a Stopper and stopped by its pid, also when the run fails.
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { Miniflare } from 'miniflare'
import { unstable_readConfig } from 'wrangler'
import { childrenOf, pin, pinnedCommand, processTree, type Pinning } from './proc.ts'

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

/** nginx with a generated config (loopback only) in a temp dir; master and one worker. */
export async function startNginx(upstreams: readonly string[], pinning: Pinning, stopper: Stopper): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-bench-nginx-'))
  chmodSync(dir, 0o755) // nginx's worker runs as nobody
  const port = await freePort()
  const servers = upstreams.map((u) => `    server ${new URL(u).host};`).join('\n')
  const conf = `# Generated by bench/servers.ts for one benchmark row; removed after the run.
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  upstream origins {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origins;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Portico always streams; so does nginx here, in blocks as large as the origin writes.
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 4 64k;
    }
  }
}
`
  writeFileSync(path.join(dir, 'nginx.conf'), conf)
  const [command, args] = pinnedCommand(pinning.serverCore, 'nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], pinning)
  return startDaemon('nginx', command, args, port, dir, stopper)
}

/** HAProxy with a generated config (loopback only), one thread; active checks on pools. */
export async function startHaproxy(upstreams: readonly string[], pinning: Pinning, stopper: Stopper): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-bench-haproxy-'))
  const port = await freePort()
  // A pool gets active checks every 2 s, as Portico's balancing row has.
  const pool = upstreams.length > 1
  const check = pool ? ' check inter 2s' : ''
  const servers = upstreams.map((u, i) => `  server o${i} ${new URL(u).host}${check}`).join('\n')
  const conf = `# Generated by bench/servers.ts for one benchmark row; removed after the run.
global
  nbthread 1
  maxconn 8192
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  option forwardfor
frontend bench
  bind 127.0.0.1:${port}
  default_backend origins
backend origins
  balance roundrobin
${pool ? '  option httpchk GET /bytes\n' : ''}${servers}
`
  writeFileSync(path.join(dir, 'haproxy.cfg'), conf)
  const [command, args] = pinnedCommand(pinning.serverCore, 'haproxy', ['-db', '-f', `${dir}/haproxy.cfg`], pinning)
  return startDaemon('haproxy', command, args, port, dir, stopper)
}

async function startDaemon(name: string, command: string, args: string[], port: number, dir: string, stopper: Stopper): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const pid = child.pid
  const stop = async () => {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
  stopper.add(stop, pid ? [pid] : [])
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForPort(port, child)
  } catch (err) {
    const logged = [stderr, readIfThere(path.join(dir, 'error.log'))].join('').trim().split('\n').pop()
    throw new Error(`${name} did not start: ${(err as Error).message}${logged ? `: ${logged}` : ''}`, { cause: err })
  }
  return { url, pids: () => (pid ? processTree(pid) : []), stop }
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

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

async function timeFirstResponse(url: string): Promise<number> {
  const started = performance.now()
  const res = await fetch(url)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} to its first request`)
  return performance.now() - started
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`port ${port} not open after ${timeoutMs} ms`)
}

/** A loopback port nobody listens on now (for daemons that need a fixed port in their config). */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise((r) => server.close(r))
  return port
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
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => {
    if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL')
  }, 3000)
  await exited
  clearTimeout(timer)
}
