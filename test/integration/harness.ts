// What the integration tests share: the loopback origin's URL, a way to send a request through the
// Worker with a given config, and the shape of the origin's /echo answer.
import { env } from 'cloudflare:workers'
import worker from '../../src/index.ts'
import type { PorticoEnv } from '../../src/config/index.ts'

/** Bindings the test config adds (vitest.config.ts) beside wrangler.toml's. */
interface TestBindings {
  ORIGIN: string
  ORIGIN_PORT: string
  AUX: Fetcher
}
export const testEnv = env as unknown as TestBindings

/** The real origin on loopback (demo/origin.ts), e.g. "http://127.0.0.1:40123". */
export const ORIGIN_URL = `http://127.0.0.1:${testEnv.ORIGIN_PORT}`

/** Send a request through the whole Worker (admin API and proxy) with these bindings. */
export async function send(input: string | Request, bindings: PorticoEnv, init?: RequestInit): Promise<Response> {
  const req = typeof input === 'string' ? new Request(input, init) : input
  return await worker.fetch(req, bindings)
}

/**
 * Bindings with PORTICO_CONFIG set to this config. Each call makes a new config object: the
 * compiled config is cached by the binding's identity, and other bindings (secrets) vary per test.
 */
export function withConfig(config: unknown, extra: Record<string, unknown> = {}): PorticoEnv {
  // The real health Durable Object namespace and cache KV namespace from wrangler.toml.
  const real = env as unknown as Record<string, unknown>
  return { PORTICO_CONFIG: structuredClone(config), UPSTREAM_HEALTH: real.UPSTREAM_HEALTH, CACHE_KV: real.CACHE_KV, ...extra }
}

/** What the origin's /echo (and /api/...) answers: the request as it arrived there. */
export interface Echo {
  origin: string
  method: string
  url: string
  headers: Record<string, string | undefined>
  bodyBytes: number
  bodySha256: string
}

export const echoOf = async (res: Response) => (await res.json()) as Echo

/** A problem+json body (RFC 9457). */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: Array<{ path: string; message: string }>
}

export const problemOf = async (res: Response) => {
  if (res.headers.get('content-type') !== 'application/problem+json') throw new Error(`not a problem: ${res.status} ${res.headers.get('content-type')}: ${await res.text()}`)
  return (await res.json()) as Problem
}
