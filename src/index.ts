// The Worker: the admin API under /_portico, everything else through the proxy pipeline.
import { Hono } from 'hono'
import { ADMIN_PREFIX, adminRoutes } from './admin/index.ts'
import type { PorticoEnv } from './config/index.ts'
import { problem } from './http/problem.ts'
import { handleProxy } from './pipeline.ts'

export { UpstreamHealth } from './health/index.ts'
export { RateLimitCounter } from './ratelimit/index.ts'
export { PorticoMetrics } from './observe/index.ts'

const app = new Hono<{ Bindings: PorticoEnv }>()

app.route(ADMIN_PREFIX, adminRoutes)
app.all('*', (c) => handleProxy(c.req.raw, c.env, executionContext(c)))

/** Hono throws when the app was called without one (tests calling app.fetch(req, env)). */
function executionContext(c: { readonly executionCtx: unknown }): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext
  } catch {
    return undefined
  }
}

// Only a bug gets here (expected outcomes are return values): log it with the request id, and
// give the client a problem without a stack trace.
app.onError((err, c) => {
  const requestId = crypto.randomUUID()
  console.error(JSON.stringify({ level: 'error', message: 'unhandled error', requestId, error: String(err), stack: (err as Error).stack }))
  return problem(500, 'internal', { detail: `Portico failed to handle this request (request id ${requestId}).`, accept: c.req.header('accept') ?? null, headers: { 'X-Request-Id': requestId } })
})

export default app
