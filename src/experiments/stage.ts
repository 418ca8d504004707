// The experiments stage: for each experiment of the route, the user's variant (a QA override when
// allowed, else the remembered one, else a new one from the hash), remembered in a signed cookie
// and, for known users, in KV; then what the variant changes on the way to the origin (pool, path
// prefix, headers), the label that separates cache entries, and an optional debug header.
import type { CompiledPool } from '../config/compile-pool.ts'
import type { RouteAction } from '../config/compile.ts'
import { cookieValue } from '../http/cookie.ts'
import { appendVary, markPrivate } from '../http/vary.ts'
import { assign, overrideFor } from './assign.ts'
import { assignmentCookie, newVisitorId, readAssignment } from './cookie.ts'
import { EXPERIMENTS_KV_BINDING, type CompiledExperiment } from './policy.ts'
import { storeAssignment, storedAssignment } from './store.ts'

/** Request header telling the origin which variants this request is in. */
const VARIANT_HEADER = 'X-Portico-Experiments'
const OVERRIDE_HEADER = 'x-portico-variant'
const OVERRIDE_QUERY = 'portico-variant'

export interface VariantPlan {
  /** "checkout=v2;banner=b": joins the cache key, so one variant's page is never served to another. */
  label: string | undefined
  pool: CompiledPool | undefined
  pathPrefix: string | undefined
  requestHeaders: Array<[string, string]>
  setCookies: string[]
  /** Request headers the assignment depends on, for Vary: downstream caches keep variants apart. */
  vary: string[]
  /** For the debug response header, when an experiment asks for it. */
  debug: string | undefined
}

export interface ExperimentIo {
  env: Record<string, unknown>
  ctx: Pick<ExecutionContext, 'waitUntil'>
  claims: Readonly<Record<string, unknown>> | undefined
}

const NONE: VariantPlan = { label: undefined, pool: undefined, pathPrefix: undefined, requestHeaders: [], setCookies: [], vary: [], debug: undefined }

export async function assignVariants(req: Request, url: URL, experiments: readonly CompiledExperiment[] | undefined, io: ExperimentIo): Promise<VariantPlan> {
  if (!experiments || experiments.length === 0) return NONE
  const plan: VariantPlan = { ...NONE, requestHeaders: [], setCookies: [], vary: [] }
  const labels: string[] = []
  const debug: string[] = []
  const kv = io.env[EXPERIMENTS_KV_BINDING] as KVNamespace | undefined
  const cookie = req.headers.get('cookie')
  // Every experiment's signed cookie and stored assignment are read at once (KV reads in parallel,
  // not one round trip after another); the assignments are then made in config order.
  const known = await Promise.all(
    experiments.map(async (exp) => {
      const userId = userIdOf(exp, req, io.claims)
      const [remembered, fromKv] = await Promise.all([
        readAssignment(cookie, exp.name, exp.secret),
        // When KV cannot be read, the cookie's assignment stands in, and nothing is written over what KV may hold.
        userId !== undefined && kv ? storedAssignment(kv, exp.name, userId).then((v) => ({ read: true, v }), () => ({ read: false, v: undefined })) : undefined,
      ])
      return { exp, userId, remembered, fromKv }
    }),
  )
  for (const { exp, userId, remembered, fromKv } of known) {
    const stored = fromKv?.read ? fromKv.v : remembered?.variant
    const override = exp.allowOverride ? overrideFor(exp.name, req.headers.get(OVERRIDE_HEADER), url.searchParams.get(OVERRIDE_QUERY)) : undefined
    const visitor = remembered?.visitor ?? newVisitorId()
    const chosen = assign({ experiment: exp.name, variants: exp.variants, subject: userId ?? visitor, stored, override })
    if (!chosen) continue
    const variant = exp.variants.find((v) => v.name === chosen.variant)
    if (!variant) continue
    if (chosen.source === 'new' && userId !== undefined && kv && fromKv?.read) {
      io.ctx.waitUntil(storeAssignment(kv, exp.name, userId, variant.name, exp.ttlSeconds).catch(() => {}))
    }
    // The cookie follows the assignment in use (not an override, which is for this request only).
    if (chosen.source !== 'override' && remembered?.variant !== variant.name) {
      plan.setCookies.push(await assignmentCookie(exp.name, { visitor, variant: variant.name }, exp.secret, exp.ttlSeconds, url.protocol === 'https:'))
    }
    labels.push(`${exp.name}=${variant.name}`)
    plan.vary.push(...varyOf(exp))
    if (exp.debugHeader) debug.push(`${exp.name}=${variant.name} (${chosen.source})`)
    if (variant.pool && !plan.pool) plan.pool = variant.pool
    if (variant.pathPrefix) plan.pathPrefix = (plan.pathPrefix ?? '') + variant.pathPrefix
    plan.requestHeaders.push(...variant.requestHeaders)
  }
  if (labels.length === 0) return NONE
  plan.label = labels.join(';')
  plan.requestHeaders.push([VARIANT_HEADER, labels.join(', ')])
  plan.debug = debug.length ? debug.join(', ') : undefined
  return plan
}

/** What the assignment reads: the cookies, the user-id header, the token of a claim, the override header. */
function varyOf(exp: CompiledExperiment): string[] {
  const names = ['Cookie']
  if (exp.userKey && 'header' in exp.userKey) names.push(exp.userKey.header)
  if (exp.userKey && 'claim' in exp.userKey) names.push('Authorization')
  if (exp.allowOverride) names.push(OVERRIDE_HEADER)
  return names
}

function userIdOf(exp: CompiledExperiment, req: Request, claims: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const from = exp.userKey
  if (!from) return undefined
  let value: unknown
  if ('header' in from) value = req.headers.get(from.header)
  else if ('cookie' in from) value = cookieValue(req.headers.get('cookie'), from.cookie)
  else value = claims?.[from.claim]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined
}

type ProxyAction = Extract<RouteAction, { kind: 'proxy' }>

/** The route's forwarding with the variant's changes: another pool, a path prefix, extra headers. */
export function withVariant(action: ProxyAction, plan: VariantPlan): ProxyAction {
  if (plan.label === undefined) return action
  return {
    ...action,
    pool: plan.pool ?? action.pool,
    pathPrefix: plan.pathPrefix,
    requestHeaders: { set: [...action.requestHeaders.set, ...plan.requestHeaders], remove: action.requestHeaders.remove },
  }
}

/**
 * New assignments are remembered in cookies; the debug header names the variants when asked.
 * Downstream caches learn what the page depends on (Vary), and a response handing out an
 * assignment is kept out of shared caches, which would give it and its cookie to other visitors.
 */
export function showVariant(res: Response, plan: VariantPlan): Response {
  if (plan.label === undefined) return res
  for (const name of plan.vary) appendVary(res.headers, name)
  if (plan.setCookies.length > 0) markPrivate(res.headers)
  for (const c of plan.setCookies) res.headers.append('set-cookie', c)
  if (plan.debug) res.headers.set('x-portico-variant', plan.debug)
  return res
}
