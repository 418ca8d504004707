// One active health probe: a request to the upstream's health path, judged by status range and an
// optional body substring, within a timeout. Runs in the pool's Durable Object.
import { concatBytes } from '../http/bytes.ts'
import { readUpTo } from '../http/read.ts'
import type { ActiveCheck } from './state.ts'
import type { UpstreamSpec } from './view.ts'

export interface ProbeResult {
  ok: boolean
  latencyMs: number | undefined
  failure?: string
}

/** Bodies longer than this are not searched for bodyContains (probes should be cheap). */
const MAX_PROBE_BODY_BYTES = 64 * 1024

export async function probeUpstream(u: UpstreamSpec, check: ActiveCheck, env: Record<string, unknown>): Promise<ProbeResult> {
  const started = Date.now()
  const signal = AbortSignal.timeout(check.timeoutMs)
  try {
    const init: RequestInit = { method: check.method, redirect: 'manual', signal, headers: { 'User-Agent': 'portico-health-check' } }
    const url = u.kind === 'service' ? `https://portico.internal${check.path}` : `${u.url}${check.path}`
    const binding = u.kind === 'service' ? u.binding : u.mtlsBinding
    const res = binding ? await (env[binding] as Fetcher).fetch(url, init) : await fetch(url, init)
    const latencyMs = Date.now() - started
    const inRange = check.expectStatus.some(([lo, hi]) => res.status >= lo && res.status <= hi)
    if (!inRange) {
      await res.body?.cancel()
      return { ok: false, latencyMs, failure: `probe status ${res.status}` }
    }
    if (check.bodyContains !== undefined) {
      const text = await readLimited(res, MAX_PROBE_BODY_BYTES)
      if (!text.includes(check.bodyContains)) return { ok: false, latencyMs, failure: 'probe body did not match' }
    } else {
      await res.body?.cancel()
    }
    return { ok: true, latencyMs }
  } catch (err) {
    return { ok: false, latencyMs: undefined, failure: signal.aborted ? 'probe timeout' : `probe error: ${String(err)}` }
  }
}

/** The body as text, its first `maxBytes` or a chunk more; the rest is not read. */
async function readLimited(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return ''
  const prefix = await readUpTo(res.body, maxBytes)
  if (!prefix.ended) await prefix.reader.cancel()
  return new TextDecoder().decode(concatBytes(prefix.chunks, prefix.size))
}
