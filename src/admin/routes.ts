// The admin API under /_portico: off (404) until the ADMIN_TOKEN secret is set, then every call
// needs `Authorization: Bearer <token>`. Later capabilities add their endpoints here.
import { Hono } from 'hono'
import { healthStub, runtimeOf } from '../balance/index.ts'
import { describeRoutes, loadConfig, type CompiledPool, type PorticoEnv } from '../config/index.ts'
import { problem } from '../http/problem.ts'
import { isAdmin } from './auth.ts'

export const ADMIN_PREFIX = '/_portico'

export const adminRoutes = new Hono<{ Bindings: PorticoEnv }>()

adminRoutes.use('*', async (c, next) => {
  const accept = c.req.header('accept') ?? null
  if (!c.env.ADMIN_TOKEN) {
    return problem(404, 'admin-disabled', { detail: 'The admin API is off: set the ADMIN_TOKEN secret to turn it on.', accept })
  }
  if (!(await isAdmin(c.req.header('authorization') ?? null, c.env.ADMIN_TOKEN))) {
    return problem(401, 'admin-unauthorized', { title: 'Unauthorized', detail: 'Send Authorization: Bearer <ADMIN_TOKEN>.', accept, headers: { 'WWW-Authenticate': 'Bearer realm="portico-admin"' } })
  }
  await next()
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

adminRoutes.all('*', (c) => problem(404, 'admin-not-found', { detail: 'No such admin endpoint.', accept: c.req.header('accept') ?? null }))
