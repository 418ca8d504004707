// Start Portico (the bundle built by global-setup.ts) in workerd on a loopback port with the given
// bindings, and real origins beside it. Every test file stops what it started.
import path from 'node:path'
import { Miniflare } from 'miniflare'
import { unstable_readConfig } from 'wrangler'

export { startOrigin, type RunningOrigin } from '../../demo/origin.ts'

export interface RunningPortico {
  url: string
  /** Absolute URL for a path on the proxy. */
  at(path: string): string
  port: number
  mf: Miniflare
  close(): Promise<void>
}

const wrangler = unstable_readConfig({ config: 'wrangler.toml' }, {})

/** Portico with these bindings; ORIGIN from wrangler.toml is dropped unless given. */
export async function startPortico(bindings: Record<string, unknown>): Promise<RunningPortico> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.resolve('.build/e2e/index.js'),
    compatibilityDate: wrangler.compatibility_date,
    compatibilityFlags: wrangler.compatibility_flags,
    bindings: bindings as Record<string, string>,
    // The Durable Objects wrangler.toml declares (pool health), with in-memory storage.
    kvNamespaces: (wrangler.kv_namespaces ?? []).map((k: { binding: string }) => k.binding),
    durableObjects: Object.fromEntries(wrangler.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, b.class_name])),
    host: '127.0.0.1',
    port: 0,
    cf: false,
  })
  const url = await mf.ready
  const base = url.href.replace(/\/$/, '')
  return { url: base, port: Number(url.port), at: (p) => base + p, mf, close: () => mf.dispose() }
}

/** Portico proxying everything to one origin URL. */
export function config(value: unknown): { PORTICO_CONFIG: string } {
  return { PORTICO_CONFIG: JSON.stringify(value) }
}

/** What the demo origin's /echo (and /api/...) answers: the request exactly as it arrived there. */
export interface Echo {
  origin: string
  method: string
  url: string
  /** Lower-case names; Node joins repeats with ", ". */
  headers: Record<string, string | undefined>
  /** Names and values alternating, as they were on the wire. */
  rawHeaders: string[]
  bodyBytes: number
  bodySha256: string
}

/** Parse an /echo body (from fetch, or the Buffer of client.ts). */
export function echoOf(body: string | Buffer): Echo {
  return JSON.parse(body.toString()) as Echo
}
