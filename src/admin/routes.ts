// The admin API under /_portico: off (404) until the ADMIN_TOKEN secret is set, then every call
// needs `Authorization: Bearer <token>`. Later capabilities add their endpoints here.
import { Hono } from 'hono'
import { describeRoutes, loadConfig, type PorticoEnv } from '../config/index.ts'
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

adminRoutes.all('*', (c) => problem(404, 'admin-not-found', { detail: 'No such admin endpoint.', accept: c.req.header('accept') ?? null }))
