// Seeing what the proxy does: request ids, W3C trace context, the journey record the stages fill,
// and at the end of each request its log line, Server-Timing, metrics and analytics (stage.ts).
export { requestIdFor } from './request-id.ts'
export { propagateTraceContext, isValidTraceparent, newTraceparent, traceparentFor } from './traceparent.ts'
export { startJourney, noteRateDecision, cacheResultOf, exposuresOf, type Journey, type RateDecision, type CacheResult } from './journey.ts'
export { beginJourney, recordJourney, flushMetrics, recentMetrics, type ObserveIo } from './stage.ts'
export { compileObservability, DEFAULT_DEBUG_HEADER, type ObservabilityPolicy, type ObservabilitySettings } from './policy.ts'
export { PorticoMetrics, METRICS_BINDING, METRICS_OBJECT_NAME } from './metrics-object.ts'
export { ANALYTICS_BINDING, dataPointOf } from './analytics.ts'
export { summarise, type MetricsReport } from './summary.ts'
export { RETENTION_MINUTES } from './recorder.ts'
export { LOG_LEVELS, type LogLevel } from './log.ts'
export { SERVER_TIMING_MODES, type ServerTimingMode } from './server-timing.ts'
export { redactHeaders, redactQuery, REDACTED } from './redact.ts'
