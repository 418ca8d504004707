// The observe stage, at both ends of the journey. beginJourney: the request id's companion record,
// its trace, and whether the response gets Server-Timing. recordJourney, once the response headers
// are ready: Server-Timing when asked, the request's log line, and unless observability.metrics is
// off an Analytics Engine data point when a dataset is bound and the request added to this
// isolate's metrics, sent to the metrics object through waitUntil when a batch is due. Nothing
// here waits on I/O on the request path.
import { writeAnalytics } from './analytics.ts'
import { cacheResultOf, startJourney, type Journey } from './journey.ts'
import { emit, isLogged, requestLevel, requestLine } from './log.ts'
import { METRICS_BINDING, METRICS_OBJECT_NAME, type PorticoMetrics } from './metrics-object.ts'
import type { RequestSample } from './metrics.ts'
import type { ObservabilityPolicy } from './policy.ts'
import { MetricsRecorder, type MetricsSink } from './recorder.ts'
import { serverTimingValue, wantsServerTiming } from './server-timing.ts'
import { summarise, type MetricsReport } from './summary.ts'
import { traceparentFor } from './traceparent.ts'
import { pooledRandomBytes } from '../http/random.ts'

export interface ObserveIo {
  env: Record<string, unknown>
  ctx: Pick<ExecutionContext, 'waitUntil'>
  policy: ObservabilityPolicy
}

/** This isolate's metrics not yet sent to the metrics object. */
const recorder = new MetricsRecorder()

/** The journey of a request as it arrived (`received`: its URL as the client sent it, before any normalising). */
export async function beginJourney(req: Request, received: URL, requestId: string, policy: ObservabilityPolicy, adminToken: string | undefined): Promise<Journey> {
  const serverTiming = await wantsServerTiming(policy.serverTiming, req.headers.get(policy.debugHeader), adminToken)
  return startJourney(req, received, { requestId, traceparent: traceparentFor(req.headers.get('traceparent'), pooledRandomBytes), serverTiming, now: Date.now() })
}

export function recordJourney(res: Response, j: Journey, io: ObserveIo): Response {
  const now = Date.now()
  j.status = res.status
  j.cacheStatus = res.headers.get('cache-status') ?? undefined
  j.durationMs = now - j.startedAt
  if (j.cacheStartedAt !== undefined) j.cacheMs = now - j.cacheStartedAt
  if (j.serverTiming) res.headers.append('server-timing', serverTimingValue(j))
  // The line is only built when its level is written (logLevel "warn" skips every 2xx).
  if (isLogged(requestLevel(j.status), io.policy.logLevel)) emit(requestLine(j, io.policy.redaction, io.policy.logLevel === 'debug' ? j.requestHeaders : undefined), io.policy.logLevel)
  if (!io.policy.metrics) return res // observability.metrics = false: neither metrics nor analytics
  writeAnalytics(io.env, j)
  if (io.env[METRICS_BINDING]) {
    recorder.record(sampleOf(j), now)
    const send = recorder.flush(() => metricsStub(io.env), now, io.policy.metricsFlushMs)
    if (send) io.ctx.waitUntil(send)
  }
  return res
}

function sampleOf(j: Journey): RequestSample {
  return {
    status: j.status ?? 0,
    durationMs: j.durationMs ?? 0,
    route: j.route,
    pool: j.pool,
    upstream: j.upstream,
    upstreamMs: j.upstreamMs,
    cache: cacheResultOf(j.cacheStatus),
    variant: j.variant,
    rateLimit: j.rateLimit,
  }
}

/** The metrics object, when bound: named by what it holds, so its minutes outlive deploys. */
function metricsStub(env: Record<string, unknown>): DurableObjectStub<PorticoMetrics> & MetricsSink {
  const ns = env[METRICS_BINDING] as DurableObjectNamespace<PorticoMetrics>
  return ns.get(ns.idFromName(METRICS_OBJECT_NAME))
}

/** Send this isolate's pending metrics now (before the admin API reads the object). */
export async function flushMetrics(env: Record<string, unknown>): Promise<void> {
  if (!env[METRICS_BINDING]) return
  await recorder.flush(() => metricsStub(env), Date.now(), 0, true)
}

/** The last `minutes` minutes as the admin API shows them, this isolate's pending batch included. */
export async function recentMetrics(env: Record<string, unknown>, minutes: number, now: number): Promise<MetricsReport & { source: 'PORTICO_METRICS' | 'unbound' }> {
  if (!env[METRICS_BINDING]) return { ...summarise([], now, minutes), source: 'unbound' }
  await flushMetrics(env)
  const windows = await metricsStub(env).recent()
  return { ...summarise(windows, now, minutes), source: METRICS_BINDING }
}
