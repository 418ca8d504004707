// Validated config → the compiled form every request reads: the route table, resolved pools,
// defaults merged into each route, secrets read from their bindings. Runs once per isolate and
// config version. Every problem is collected with its field path, never just the first.
import * as v from 'valibot'
import { RouteTable, joinPath, patternError, patternParams, templateNames, type PathRewrite, type RouteMatch } from '../routing/index.ts'
import { CACHE_KV_BINDING, compileCachePolicy, type CachePolicy } from '../cache/policy.ts'
import { compileCompression, type CompressionPolicy } from '../compress/policy.ts'
import { RATE_LIMITER_BINDING, compileRule, type RateRule } from '../ratelimit/policy.ts'
import { compileObservability, type ObservabilityPolicy } from '../observe/policy.ts'
import { DEFAULT_ASSIGNMENT_TTL_SECONDS, EXPERIMENTS_KV_BINDING, type CompiledExperiment } from '../experiments/policy.ts'
import { compileOriginSignature, compilePathPolicy, compileRouteSecurity, strippedRequestHeaders, type PathPolicy, type RouteSecurity, type SignaturePolicy } from '../security/index.ts'
import { HEALTH_BINDING, compilePool, compileRetries, upstreamKey, type CompiledPool, type RetryPolicy, type Upstream } from './compile-pool.ts'
import {
  PorticoConfig,
  type CacheSettingsConfig,
  type RateLimitRuleConfig,
  type HeaderEditsConfig,
  type HeaderValueConfig,
  type PorticoConfigOutput,
  type RouteConfig,
  type UpstreamConfig,
} from './schema.ts'

export interface ConfigError {
  path: string
  message: string
}

export interface HeaderOps {
  set: ReadonlyArray<readonly [string, string]>
  remove: readonly string[]
}

export interface Timeouts {
  firstByteMs: number
  totalMs: number | undefined
}

export type RouteAction =
  | {
      kind: 'proxy'
      pool: CompiledPool
      rewrite: PathRewrite
      /** "origin", "preserve" or a fixed host. */
      host: string
      timeouts: Timeouts
      requestHeaders: HeaderOps
      retries: RetryPolicy
      /** Undefined: this route does not cache. */
      cache: CachePolicy | undefined
      /** Undefined: this route does not compress. */
      compress: CompressionPolicy | undefined
      /** Undefined: requests to the origin are not signed. */
      originSignature?: SignaturePolicy
      /** Prefix before the rewritten path (an experiment variant's pathPrefix). */
      pathPrefix?: string
    }
  | { kind: 'redirect'; to: string; status: number }
  | { kind: 'respond'; status: number; body: string; headers: ReadonlyArray<readonly [string, string]> }

/** The security fields (access, limits, filter, shield, cors) are set once the route is compiled. */
export interface CompiledRoute extends Partial<RouteSecurity> {
  index: number
  name: string
  match: RouteMatch
  action: RouteAction
  responseHeaders: HeaderOps
  /** Rate limits: the defaults' rules, then the route's own. */
  rateLimits: readonly RateRule[]
  /** Experiments running on this route. */
  experiments: readonly CompiledExperiment[]
}

export interface CompiledConfig {
  routes: readonly CompiledRoute[]
  table: RouteTable<CompiledRoute>
  pools: ReadonlyMap<string, CompiledPool>
  forwarding: {
    trustIncoming: boolean
    via: string | false
    hiddenResponseHeaders: readonly string[]
    allowTrace: boolean
    /** Lower-case request headers removed before the request reaches the cache or the origin. */
    strippedRequestHeaders: readonly string[]
  }
  requestId: { header: string; acceptIncoming: boolean }
  paths: PathPolicy
  observability: ObservabilityPolicy
}

/** What compile needs from the Worker's bindings. Offline checks answer from wrangler.toml. */
export interface BindingLookup {
  /** A secret or var's value; undefined when unbound. */
  text(name: string): string | undefined
  /** Whether a binding with fetch() of that name exists: a service binding or an mTLS certificate. */
  hasService(name: string): boolean
  /** Whether a KV namespace binding of that name exists (optional: assumed when absent). */
  hasKvNamespace?(name: string): boolean
  /** Whether a Durable Object namespace binding of that name exists (optional: assumed when absent). */
  hasDurableObject?(name: string): boolean
  /** Offline: secrets are not available, so their absence is a warning, not an error. */
  offline?: boolean
}

export type CompileResult =
  | { ok: true; config: CompiledConfig; warnings: ConfigError[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigError[] }

export const DEFAULT_FIRST_BYTE_MS = 30_000
export const DEFAULT_HIDDEN_RESPONSE_HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version']
const TEMPLATE_VARS = ['host', 'path', 'query']

/** Validate raw config (already JSON) against the schema and compile it. */
export function compileConfig(raw: unknown, bindings: BindingLookup): CompileResult {
  const parsed = v.safeParse(PorticoConfig, raw, { abortEarly: false })
  if (!parsed.success) return { ok: false, errors: parsed.issues.map(issueToError), warnings: [] }
  return new Compiler(parsed.output, bindings).run()
}

function issueToError(issue: v.BaseIssue<unknown>): ConfigError {
  const path = formatPath(issue.path ?? [])
  // A union reports its own message; the nested issues say which branch came closest.
  // A strict object reports three things alike: an unknown key (expected "never"), a missing
  // required key (no input) and a value that is not an object at all.
  if (issue.type === 'strict_object' && issue.path?.length && issue.expected === 'never') {
    const key = String(issue.path[issue.path.length - 1]?.key)
    return { path, message: `unknown field '${key}'; check its spelling against the configuration reference` }
  }
  if (issue.type === 'strict_object' && issue.path?.length && issue.input === undefined) {
    return { path, message: 'is required; it is missing' }
  }
  if (issue.type === 'strict_object') return { path, message: `must be an object (a TOML table)${describeInput(issue)}` }
  return { path, message: `${issue.message}${describeInput(issue)}` }
}

function describeInput(issue: v.BaseIssue<unknown>): string {
  const input = issue.input
  if (input === undefined) return '; it is missing'
  if (typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean') {
    const shown = JSON.stringify(input)
    return `; got ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}`
  }
  if (Array.isArray(input)) return `; got a list of ${input.length}`
  return input === null ? '; got null' : `; got ${issue.received}`
}

function formatPath(path: readonly { key: unknown }[]): string {
  let out = ''
  for (const item of path) {
    if (typeof item.key === 'number') out += `[${item.key}]`
    else out += out === '' ? String(item.key) : `.${String(item.key)}`
  }
  return out || '(root)'
}

class Compiler {
  readonly errors: ConfigError[] = []
  readonly warnings: ConfigError[] = []
  readonly pools = new Map<string, CompiledPool>()

  readonly cfg: PorticoConfigOutput
  readonly bindings: BindingLookup
  readonly observability: ObservabilityPolicy
  /** The request headers stripped before cache and origin, and those of the default list kept. */
  readonly stripped: ReturnType<typeof strippedRequestHeaders>

  constructor(cfg: PorticoConfigOutput, bindings: BindingLookup) {
    this.cfg = cfg
    this.bindings = bindings
    this.observability = compileObservability(cfg.observability)
    this.stripped = strippedRequestHeaders(cfg.forwarding?.stripRequestHeaders, cfg.forwarding?.keepRequestHeaders)
  }

  run(): CompileResult {
    const poolConfigs = Object.entries(this.cfg.pools ?? {})
    for (const [name, pool] of poolConfigs) {
      const upstreams = pool.upstreams.map((u, i) => this.upstream(u, `pools.${name}.upstreams[${i}]`, `${name}/${i}`))
      const keys = upstreams.map((u) => u.key)
      keys.forEach((k, i) => {
        if (keys.indexOf(k) !== i) this.fail(`pools.${name}.upstreams[${i}]`, `lists ${k} twice; give it a weight instead`)
      })
      const sticky = pool.sticky && {
        cookie: pool.sticky.cookie ?? 'portico_sticky',
        ttlSeconds: pool.sticky.ttlSeconds ?? 3600,
        secret: this.headerValue(pool.sticky.secret, `pools.${name}.sticky`),
      }
      if (pool.hashOn !== undefined && pool.algorithm !== 'consistent-hash') this.fail(`pools.${name}.hashOn`, 'only applies with algorithm "consistent-hash"')
      this.pools.set(name, compilePool(name, pool, upstreams, sticky))
    }
    // One cookie per sticky pool: two pools writing the same cookie would undo each other's choice.
    const stickyCookies = new Map<string, string>()
    for (const [name, pool] of this.pools) {
      if (!pool.sticky) continue
      const other = stickyCookies.get(pool.sticky.cookie)
      if (other) this.fail(`pools.${name}.sticky.cookie`, `pool '${other}' already uses the sticky cookie '${pool.sticky.cookie}'; give this pool its own sticky.cookie`)
      else stickyCookies.set(pool.sticky.cookie, name)
    }
    for (const [name, pool] of poolConfigs) {
      if (pool.backup === undefined) continue
      const backup = this.pools.get(pool.backup)
      if (!backup || pool.backup === name) {
        this.fail(`pools.${name}.backup`, pool.backup === name ? 'a pool cannot be its own backup' : `unknown pool '${pool.backup}'; defined: ${[...this.pools.keys()].join(', ')}`)
      } else (this.pools.get(name) as CompiledPool).backup = backup
    }
    const needsHealth = [...this.pools.values()].some((p) => p.health)
    if (needsHealth && this.bindings.hasDurableObject && !this.bindings.hasDurableObject(HEALTH_BINDING)) {
      this.fail('pools', `pools of two or more upstreams keep health in a Durable Object: add the ${HEALTH_BINDING} binding and migration to wrangler.toml (see README "Deployment")`)
    }
    const routes = this.cfg.routes.map((r, i) => this.secure(this.route(r, i), r, i))
    this.experiments(routes)
    if (this.errors.length > 0) return { ok: false, errors: this.errors, warnings: this.warnings }
    const fwd = this.cfg.forwarding ?? {}
    const config: CompiledConfig = {
      routes,
      table: new RouteTable(routes),
      pools: this.pools,
      forwarding: {
        trustIncoming: fwd.trustIncoming ?? false,
        via: fwd.via ?? 'portico',
        hiddenResponseHeaders: [...DEFAULT_HIDDEN_RESPONSE_HEADERS, ...(fwd.hideResponseHeaders ?? []).map((h) => h.toLowerCase())],
        allowTrace: fwd.allowTrace ?? false,
        strippedRequestHeaders: this.stripped.strip,
      },
      requestId: {
        header: (this.cfg.requestId?.header ?? 'X-Request-Id').toLowerCase(),
        acceptIncoming: this.cfg.requestId?.acceptIncoming ?? true,
      },
      paths: compilePathPolicy(this.cfg.paths),
      observability: this.observability,
    }
    return { ok: true, config, warnings: this.warnings }
  }

  fail(path: string, message: string): void {
    this.errors.push({ path, message })
  }

  upstream(spec: UpstreamConfig, path: string, id: string): Upstream {
    if (typeof spec === 'object' && 'service' in spec) {
      if (!this.bindings.hasService(spec.service)) {
        this.fail(`${path}.service`, `service binding '${spec.service}' is not bound; add [[services]] binding = "${spec.service}" to wrangler.toml`)
      }
      return { id, key: upstreamKey({ kind: 'service', binding: spec.service }), kind: 'service', binding: spec.service, weight: spec.weight ?? 1 }
    }
    const raw = typeof spec === 'string' ? spec : spec.url
    const url = new URL(raw)
    const basePath = url.pathname.replace(/\/+$/, '')
    const mtlsBinding = typeof spec === 'string' ? undefined : spec.mtlsCertificate
    if (mtlsBinding !== undefined && !this.bindings.hasService(mtlsBinding)) {
      this.fail(`${path}.mtlsCertificate`, `mTLS certificate binding '${mtlsBinding}' is not bound; add mtls_certificates = [{ binding = "${mtlsBinding}", certificate_id = "..." }] to wrangler.toml`)
    }
    return { id, key: upstreamKey({ kind: 'url', origin: url.origin, basePath }), kind: 'url', origin: url.origin, basePath, hostname: url.hostname.toLowerCase(), host: url.host, weight: typeof spec === 'string' ? 1 : (spec.weight ?? 1), mtlsBinding }
  }

  route(r: RouteConfig, index: number): CompiledRoute {
    const at = `routes[${index}]`
    const match = this.match(r, at)
    const defaults = this.cfg.defaults ?? {}
    const responseHeaders = this.headerOps([[defaults.responseHeaders, 'defaults.responseHeaders'], [r.responseHeaders, `${at}.responseHeaders`]])
    const name = r.name ?? `route-${index}`
    const rateLimits = this.rateLimits(defaults.rateLimits, r.rateLimits, at)
    const actions = (['pool', 'upstream', 'redirect', 'respond'] as const).filter((k) => r[k] !== undefined)
    if (actions.length !== 1) {
      this.fail(at, actions.length === 0 ? 'needs one of pool, upstream, redirect or respond' : `sets ${actions.join(' and ')}; keep exactly one of pool, upstream, redirect or respond`)
    }
    const params = match.pattern ? patternParams(match.pattern) : []
    if (r.rewrite && !(r.pool !== undefined || r.upstream !== undefined)) this.fail(`${at}.rewrite`, 'only applies to routes that forward (pool or upstream)')

    if (r.redirect) {
      this.checkTemplate(r.redirect.to, params, `${at}.redirect.to`)
      return { index, name, match, responseHeaders, rateLimits, experiments: [], action: { kind: 'redirect', to: r.redirect.to, status: r.redirect.status ?? 302 } }
    }
    if (r.respond) {
      const headers = Object.entries(r.respond.headers ?? {}).map(([k, val]) => [k, this.headerValue(val, `${at}.respond.headers.${k}`)] as const)
      const contentType = r.respond.contentType ?? 'text/plain; charset=utf-8'
      return { index, name, match, responseHeaders, rateLimits, experiments: [], action: { kind: 'respond', status: r.respond.status, body: r.respond.body ?? '', headers: [['content-type', contentType], ...headers] } }
    }
    let pool: CompiledPool = compilePool('', {}, [], undefined)
    if (r.pool !== undefined) {
      const found = this.pools.get(r.pool)
      if (!found) {
        const defined = [...this.pools.keys()]
        this.fail(`${at}.pool`, `unknown pool '${r.pool}'; ${defined.length ? `defined: ${defined.join(', ')}` : 'no pools are defined under "pools"'}`)
      } else pool = found
    } else if (r.upstream !== undefined) {
      pool = compilePool(name, {}, [this.upstream(r.upstream, `${at}.upstream`, `${name}/0`)], undefined)
    }
    const timeouts = { ...defaults.timeouts, ...r.timeouts }
    return {
      index,
      name,
      match,
      responseHeaders,
      rateLimits,
      experiments: [],
      action: {
        kind: 'proxy',
        pool,
        rewrite: this.rewrite(r, match, params, at),
        host: r.host ?? defaults.host ?? 'origin',
        timeouts: { firstByteMs: timeouts.firstByteMs ?? DEFAULT_FIRST_BYTE_MS, totalMs: timeouts.totalMs },
        // The debug header carries the admin token: it is Portico's, never the origin's.
        requestHeaders: this.headerOps([[defaults.requestHeaders, 'defaults.requestHeaders'], [r.requestHeaders, `${at}.requestHeaders`], [{ remove: [this.observability.debugHeader] }, '']]),
        retries: compileRetries({ ...defaults.retries, ...r.retries }),
        cache: this.cache(defaults.cache, r.cache, at),
        compress: defaults.compress || r.compress ? compileCompression({ ...defaults.compress, ...r.compress }) : undefined,
      },
    }
  }

  match(r: RouteConfig, at: string): RouteMatch {
    const m = r.match ?? {}
    const out: { -readonly [K in keyof RouteMatch]: RouteMatch[K] } = {}
    if (m.host !== undefined) {
      const hosts = (Array.isArray(m.host) ? m.host : [m.host]).map((h) => h.toLowerCase().replace(/\.$/, ''))
      hosts.forEach((h, i) => {
        const where = Array.isArray(m.host) ? `${at}.match.host[${i}]` : `${at}.match.host`
        if (!/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(h)) {
          this.fail(where, `'${h}' is not a host name; use "example.com" or "*.example.com" (no scheme, port or path)`)
        }
      })
      out.hosts = hosts
    }
    if (m.path !== undefined && m.pattern !== undefined) this.fail(`${at}.match`, 'set path (a prefix) or pattern, not both')
    if (m.path !== undefined) out.path = m.path === '/' ? '/' : m.path.replace(/\/+$/, '') || '/'
    // The prefix goes to Hono's router as "<path>/*", where "*" and a segment's leading ":" are syntax.
    if (m.path !== undefined && /\*|\/:/.test(m.path)) {
      const literal = (m.path.split(/\*|\/:/)[0] ?? '').replace(/\/+$/, '') || '/'
      this.fail(`${at}.match.path`, `'${m.path}' is a prefix, not a pattern: "${literal}" already covers ${joinPath(literal, 'x')}; use match.pattern for "*" and ":name"`)
    }
    if (m.pattern !== undefined) {
      const problem = patternError(m.pattern)
      if (problem) this.fail(`${at}.match.pattern`, problem)
      out.pattern = m.pattern
    }
    if (m.methods) {
      m.methods.forEach((meth, i) => {
        if (!/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/.test(meth)) this.fail(`${at}.match.methods[${i}]`, `'${meth}' is not an HTTP method`)
      })
      out.methods = new Set(m.methods)
    }
    if (m.headers) {
      out.headers = Object.entries(m.headers).map(([k, val]) => [k.toLowerCase(), Array.isArray(val) ? val : [val]] as const)
    }
    return out
  }

  rewrite(r: RouteConfig, match: RouteMatch, params: string[], at: string): PathRewrite {
    const rw = r.rewrite
    if (!rw) return { kind: 'none' }
    const set = (['stripPrefix', 'replacePrefix', 'path'] as const).filter((k) => rw[k] !== undefined && rw[k] !== false)
    if (set.length > 1) this.fail(`${at}.rewrite`, `sets ${set.join(' and ')}; keep one`)
    if (rw.path !== undefined) {
      this.checkTemplate(rw.path, params, `${at}.rewrite.path`)
      return { kind: 'template', template: rw.path }
    }
    if (rw.stripPrefix || rw.replacePrefix !== undefined) {
      if (!match.path) {
        this.fail(`${at}.rewrite`, 'stripPrefix and replacePrefix need match.path (the prefix to replace)')
        return { kind: 'none' }
      }
      const to = rw.replacePrefix !== undefined ? rw.replacePrefix.replace(/\/+$/, '') : ''
      return { kind: 'prefix', from: match.path, to }
    }
    return { kind: 'none' }
  }

  cache(defaults: CacheSettingsConfig | undefined, own: CacheSettingsConfig | undefined, at: string): CachePolicy | undefined {
    if (!defaults && !own) return undefined
    const policy = compileCachePolicy({ ...defaults, ...own })
    if (policy?.kvMaxBytes !== undefined && this.bindings.hasKvNamespace && !this.bindings.hasKvNamespace(CACHE_KV_BINDING)) {
      this.fail(`${at}.cache.kv`, `the KV tier needs the ${CACHE_KV_BINDING} binding: run npx wrangler kv namespace create CACHE_KV and add it to wrangler.toml [[kv_namespaces]]`)
    }
    return policy
  }

  /** Experiments, resolved against pools and attached to the routes they name. */
  experiments(routes: CompiledRoute[]): void {
    for (const [name, e] of Object.entries(this.cfg.experiments ?? {})) {
      const at = `experiments.${name}`
      const variants = e.variants.map((v, i) => {
        const pool = v.pool === undefined ? undefined : this.pools.get(v.pool)
        if (v.pool !== undefined && !pool) this.fail(`${at}.variants[${i}].pool`, `unknown pool '${v.pool}'; defined: ${[...this.pools.keys()].join(', ') || 'none'}`)
        return { name: v.name, weight: v.weight, pool, pathPrefix: v.pathPrefix, requestHeaders: Object.entries(v.requestHeaders ?? {}) }
      })
      if (new Set(variants.map((v) => v.name)).size !== variants.length) this.fail(`${at}.variants`, 'variant names must be unique')
      if (!variants.some((v) => v.weight > 0)) this.fail(`${at}.variants`, 'at least one variant needs a weight above 0')
      if (e.userKey && this.bindings.hasKvNamespace && !this.bindings.hasKvNamespace(EXPERIMENTS_KV_BINDING)) {
        this.fail(`${at}.userKey`, `known users' assignments are kept in KV: add the ${EXPERIMENTS_KV_BINDING} binding to wrangler.toml [[kv_namespaces]] (see README "Deployment")`)
      }
      const compiled: CompiledExperiment = {
        name,
        routes: new Set(e.routes),
        variants,
        userKey: e.userKey && ('header' in e.userKey ? { header: e.userKey.header.toLowerCase() } : e.userKey),
        secret: this.headerValue(e.secret, at),
        ttlSeconds: e.ttlSeconds ?? DEFAULT_ASSIGNMENT_TTL_SECONDS,
        allowOverride: e.allowOverride ?? false,
        debugHeader: e.debugHeader ?? false,
      }
      e.routes.forEach((routeName, i) => {
        const route = routes.find((r) => r.name === routeName)
        if (!route) this.fail(`${at}.routes[${i}]`, `no route is named '${routeName}'; name routes with "name" (defined: ${routes.map((r) => r.name).join(', ')})`)
        else if (route.action.kind !== 'proxy') this.fail(`${at}.routes[${i}]`, `route '${routeName}' does not forward; experiments run on routes with a pool or upstream`)
        else route.experiments = [...route.experiments, compiled]
      })
    }
  }

  rateLimits(defaults: RateLimitRuleConfig[] | undefined, own: RateLimitRuleConfig[] | undefined, at: string): RateRule[] {
    const rules = [...(defaults ?? []), ...(own ?? [])]
    if (rules.length === 0) return []
    const names = new Set<string>()
    for (const r of rules) {
      if (names.has(r.name)) this.fail(`${at}.rateLimits`, `two rules are named '${r.name}'; names must be unique across defaults.rateLimits and the route's`)
      names.add(r.name)
    }
    if (this.bindings.hasDurableObject && !this.bindings.hasDurableObject(RATE_LIMITER_BINDING)) {
      this.fail(`${at}.rateLimits`, `rate limits keep counters in a Durable Object: add the ${RATE_LIMITER_BINDING} binding and its migration to wrangler.toml (see README "Deployment")`)
    }
    return rules.map(compileRule)
  }

  checkTemplate(template: string, params: string[], path: string): void {
    for (const name of templateNames(template)) {
      if (!TEMPLATE_VARS.includes(name) && !params.includes(name)) {
        const known = [...TEMPLATE_VARS, ...params].map((n) => `{${n}}`).join(', ')
        this.fail(path, `unknown placeholder {${name}}; available: ${known}`)
      }
    }
  }

  /** Layers in order (defaults, then the route), each with the path its problems are reported at. */
  headerOps(layers: Array<[HeaderEditsConfig | undefined, string]>): HeaderOps {
    const set = new Map<string, string>()
    const remove: string[] = []
    for (const [layer, path] of layers) {
      if (!layer) continue
      // A later layer's remove drops an earlier layer's set (a route can undo a default); within
      // one layer set still wins, as applyHeaderOps removes before it sets.
      for (const k of layer.remove ?? []) {
        set.delete(k.toLowerCase())
        remove.push(k.toLowerCase())
      }
      for (const [k, val] of Object.entries(layer.set ?? {})) set.set(k.toLowerCase(), this.headerValue(val, `${path}.set.${k}`))
    }
    return { set: [...set], remove }
  }

  headerValue(val: HeaderValueConfig | { secret: string }, path: string): string {
    if (typeof val === 'string') return val
    const secret = this.bindings.text(val.secret)
    if (secret === undefined) {
      const entry = { path: `${path}.secret`, message: `secret '${val.secret}' is not bound; run: npx wrangler secret put ${val.secret}` }
      const list = this.bindings.offline ? this.warnings : this.errors
      // A default is compiled into every route; say it once, where it is written.
      if (!list.some((e) => e.path === entry.path)) list.push(entry)
      return ''
    }
    return secret
  }

  /**
   * The route's security settings (src/security), the origin signature on its forwarding, and on
   * a caching route the cache key extended by every header that changes the origin's answer
   * without being stripped: kept override headers, and the forwarding headers when trusted.
   */
  secure(route: CompiledRoute, r: RouteConfig, index: number): CompiledRoute {
    const at = `routes[${index}]`
    const defaults = this.cfg.defaults ?? {}
    const ctx = {
      fail: (path: string, message: string) => {
        if (!this.errors.some((e) => e.path === path && e.message === message)) this.fail(path, message)
      },
      secret: (name: string, path: string) => this.headerValue({ secret: name }, path.replace(/\.secret$/, '')),
    }
    const security: RouteSecurity = compileRouteSecurity(defaults, r, at, ctx)
    const action = route.action
    if (action.kind === 'proxy') {
      action.originSignature = compileOriginSignature(defaults.shield, r.shield, at, ctx)
      const keyed = [...this.stripped.kept, ...(this.cfg.forwarding?.trustIncoming ? ['x-forwarded-host', 'x-forwarded-proto'] : [])]
      const cache = action.cache
      if (cache && keyed.length > 0) action.cache = { ...cache, key: { ...cache.key, headers: [...new Set([...cache.key.headers, ...keyed])] } }
    }
    return Object.assign(route, security)
  }
}
