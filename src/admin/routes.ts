// The admin API under /_portico: off (404) until the ADMIN_TOKEN secret is set, then every call
// needs `Authorization: Bearer <token>`, or, for reading (GET, HEAD), the status page's session
// cookie (session.ts), which POST /_portico/session hands out for the token. Later capabilities
// add their endpoints here.
import { Hono } from 'hono'
import * as v from 'valibot'
import { healthStub, runtimeOf } from '../balance/index.ts'
import { PurgeBody, purge, purgeRecords } from '../cache/index.ts'
import { describeRoutes, loadConfig, type CompiledPool, type PorticoEnv } from '../config/index.ts'
import { problem } from '../http/problem.ts'
import { recentMetrics, RETENTION_MINUTES } from '../observe/index.ts'
import { isAdmin } from './auth.ts'
import { hasSession } from './session.ts'
import { sessionEndpoint, signInResponse, statusPageResponse } from './status.ts'

export const ADMIN_PREFIX = '/_portico'

export const adminRoutes = new Hono<{ Bindings: PorticoEnv }>()

adminRoutes.use('*', async (c, next) => {
  const accept = c.req.header('accept') ?? null
  if (!c.env.ADMIN_TOKEN) {
    return problem(404, 'admin-disabled', { detail: 'The admin API is off: set the ADMIN_TOKEN secret to turn it on.', accept })
  }
  const session = await sessionEndpoint(c.req.raw, c.env.ADMIN_TOKEN, ADMIN_PREFIX)
  if (session) return session
  const reading = c.req.method === 'GET' || c.req.method === 'HEAD'
  const viaBearer = await isAdmin(c.req.header('authorization') ?? null, c.env.ADMIN_TOKEN)
  if (!viaBearer && !(reading && (await hasSession(c.req.header('cookie') ?? null, c.env.ADMIN_TOKEN, Date.now())))) {
    if (reading && c.req.path === `${ADMIN_PREFIX}/status`) return signInResponse()
    return problem(401, 'admin-unauthorized', { title: 'Unauthorized', detail: 'Send Authorization: Bearer <ADMIN_TOKEN>.', accept, headers: { 'WWW-Authenticate': 'Bearer realm="portico-admin"' } })
  }
  if (c.req.path === `${ADMIN_PREFIX}/status` && reading) return statusPageResponse(c.req.raw, c.env.ADMIN_TOKEN, ADMIN_PREFIX, viaBearer)
  await next()
})

/**
 * Request metrics of the last `minutes` (1-60, default 60): totals, one point per minute, and per
 * route, upstream, experiment and rate-limit rule (README "Observability").
 */
adminRoutes.get('/metrics', async (c) => {
  const asked = Number(c.req.query('minutes') ?? RETENTION_MINUTES)
  const minutes = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), RETENTION_MINUTES) : RETENTION_MINUTES
  const loaded = loadConfig(c.env)
  c.header('Cache-Control', 'no-store')
  const enabled = loaded.ok ? loaded.config.observability.metrics : false
  return c.json({ enabled, ...(await recentMetrics(c.env, minutes, Date.now())) })
})

/** Whether the config loaded, and its effective routes (or its errors). */
adminRoutes.get('/config', (c) => {
  const loaded = loadConfig(c.env)
  c.header('Cache-Control', 'no-store')
  if (!loaded.ok) return c.json({ valid: false, errors: loaded.errors }, 200)
  return c.json({ valid: true, warnings: loaded.warnings, routes: describeRoutes(loaded.config) })
})

/** Each pool's upstreams with their health as the pool's Durable Object holds it. */
adminRoutes.get('/pools', async (c) => {
  const loaded = loadConfig(c.env)
  c.header('Cache-Control', 'no-store')
  if (!loaded.ok) return c.json({ valid: false, errors: loaded.errors }, 200)
  const pools = await Promise.all([...loaded.config.pools.values()].map((pool) => describePool(pool, c.env)))
  return c.json({ pools })
})

async function describePool(pool: CompiledPool, env: PorticoEnv) {
  const base = { name: pool.name, algorithm: pool.algorithm, backup: pool.backup?.name ?? null, panic: pool.panic }
  const upstreams = pool.upstreams.map((u) => ({ key: u.key, weight: u.weight }))
  if (!pool.health) return { ...base, health: 'not tracked (one upstream, no active checks)', upstreams }
  const view = await healthStub(env, pool).snapshot(pool.health)
  const inFlight = runtimeOf(pool).tracker?.inFlight
  return {
    ...base,
    activeChecks: pool.health.policy.active ?? null,
    upstreams: upstreams.map((u) => ({ ...u, ...view.upstreams[u.key], inFlightHere: inFlight?.get(u.key) ?? 0 })),
  }
}

/**
 * Purge cached responses everywhere: { "urls": [...], "prefixes": [...], "tags": [...],
 * "everything": true }. Applied at once in this colo for URLs, and within about a minute in every
 * colo through the purge log in KV (README "Caching").
 */
adminRoutes.post('/purge', async (c) => {
  const accept = c.req.header('accept') ?? null
  const loaded = loadConfig(c.env)
  if (!loaded.ok) return problem(500, 'config-invalid', { detail: 'Fix the configuration first.', accept, extra: { errors: loaded.errors } })
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    return problem(400, 'purge-invalid', { detail: 'The body must be JSON: { "urls": [...], "prefixes": [...], "tags": [...], "everything": true }.', accept })
  }
  const parsed = v.safeParse(PurgeBody, raw)
  if (!parsed.success) {
    const errors = parsed.issues.map((i) => ({ path: i.path?.map((p) => String(p.key)).join('.') ?? '(root)', message: i.message }))
    return problem(400, 'purge-invalid', { detail: 'The purge request is invalid.', accept, extra: { errors } })
  }
  const records = purgeRecords(parsed.output, Date.now())
  if (records.length === 0) return problem(400, 'purge-invalid', { detail: 'Name at least one of urls, prefixes, tags or everything.', accept })
  const urlPolicies = (parsed.output.urls ?? []).flatMap((u) => {
    const url = new URL(u)
    const found = loaded.config.table.match({ method: 'GET', host: url.hostname.toLowerCase(), path: url.pathname, headers: new Headers() })
    const cache = found.kind === 'route' && found.route.action.kind === 'proxy' ? found.route.action.cache : undefined
    return cache ? [{ url, policy: cache }] : []
  })
  let global: boolean
  try {
    ;({ global } = await purge(records, urlPolicies, c.env))
  } catch (err) {
    // KV refused or failed a write: this isolate has the purge, other colos may not. Say so; a retry is safe.
    console.error(JSON.stringify({ level: 'error', message: 'purge not recorded', error: String(err) }))
    return problem(503, 'purge-not-recorded', { detail: 'The purge applies in this isolate, but recording it for other colos failed; send it again.', accept, headers: { 'Retry-After': '1' } })
  }
  c.header('Cache-Control', 'no-store')
  return c.json({ purged: records.length, global, note: global ? 'applied here now; other colos within about 60 s (KV propagation)' : 'no CACHE_KV binding: applied in this isolate only' })
})

adminRoutes.all('*', (c) => problem(404, 'admin-not-found', { detail: 'No such admin endpoint.', accept: c.req.header('accept') ?? null }))
