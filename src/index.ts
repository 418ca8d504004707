// The Worker: the admin API under /_portico (a Hono app), everything else through the proxy pipeline.
import { Hono } from 'hono'
import { ADMIN_PREFIX, adminRoutes } from './admin/index.ts'
import type { PorticoEnv } from './config/index.ts'
import { problem } from './http/problem.ts'
import { handleProxy } from './pipeline.ts'

export { UpstreamHealth } from './health/index.ts'
export { RateLimitCounter } from './ratelimit/index.ts'
export { PorticoMetrics } from './observe/index.ts'

const admin = new Hono<{ Bindings: PorticoEnv }>()
admin.route(ADMIN_PREFIX, adminRoutes)
admin.onError((err, c) => unhandled(err, c.req.raw))

export default {
  // Proxied requests skip Hono: its context and router would only hand them on, at about 5% of a
  // forwarded request's CPU time (bench/profile.ts).
  // `env` is the bindings object (typed loosely so tests may pass the generated Env type).
  async fetch(req: Request, bindings: object, ctx?: ExecutionContext): Promise<Response> {
    const env = bindings as PorticoEnv
    if (isAdminPath(req.url)) return admin.fetch(req, env, ctx)
    try {
      return await handleProxy(req, env, ctx)
    } catch (err) {
      return unhandled(err, req)
    }
  },
}

/** /_portico, /_portico/... or /_portico?...: the path of an absolute URL, as Hono reads it. */
export function isAdminPath(url: string): boolean {
  const start = url.indexOf('/', url.indexOf('://') + 3)
  if (start === -1 || !url.startsWith(ADMIN_PREFIX, start)) return false
  const next = url[start + ADMIN_PREFIX.length]
  return next === undefined || next === '/' || next === '?' || next === '#'
}

// Only a bug gets here (expected outcomes are return values): log it with the request id, and
// give the client a problem without a stack trace.
function unhandled(err: unknown, req: Request): Response {
  const requestId = crypto.randomUUID()
  console.error(JSON.stringify({ level: 'error', message: 'unhandled error', requestId, error: String(err), stack: (err as Error).stack }))
  return problem(500, 'internal', { detail: `Portico failed to handle this request (request id ${requestId}).`, accept: req.headers.get('accept'), headers: { 'X-Request-Id': requestId } })
}
