// One request's journey, top to bottom. Each stage is a function in its capability's folder; this
// file only orders them and takes the early exits.
import { serveWithCache } from './cache/index.ts'
import { compressBody } from './compress/index.ts'
import { checkRateLimits } from './ratelimit/index.ts'
import { assignVariants, showVariant, withVariant } from './experiments/index.ts'
import { loadConfig, type CompiledConfig, type CompiledRoute, type ConfigError, type PorticoEnv } from './config/index.ts'
import { applyHeaderOps, forwardWithRetries, isLoop, takeMaxForwards, viaProtocol, type ClientFacts } from './forward/index.ts'
import { problem } from './http/problem.ts'
import { beginJourney, recordJourney, requestIdFor } from './observe/index.ts'
import { fillTemplate, routingHost } from './routing/index.ts'
import { answerEarly, checkAccess, filterRequest, limitRequest, normaliseUrl, requestForOrigin, secureResponse } from './security/index.ts'

/** Methods a proxy answers 405 to by default: TRACE reflects credentials, CONNECT opens tunnels. */
const REFUSED_METHODS = new Set(['TRACE', 'CONNECT'])
const ALLOW_ALL = 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS'
/** Credentials are not reflected even when TRACE is allowed. */
const TRACE_HIDDEN = new Set(['authorization', 'cookie', 'proxy-authorization'])

/** Background work (health reports) outlives the response through waitUntil. */
type Background = Pick<ExecutionContext, 'waitUntil'>
const DETACHED: Background = { waitUntil: (p) => void p.catch(() => {}) }

export async function handleProxy(req: Request, env: PorticoEnv, ctx: Background = DETACHED): Promise<Response> {
  const loaded = loadConfig(env)
  if (!loaded.ok) return configInvalid(loaded.errors, req)
  const config = loaded.config
  const accept = req.headers.get('accept')
  const requestId = requestIdFor(req.headers.get(config.requestId.header), config.requestId.acceptIncoming, () => crypto.randomUUID())
  const received = new URL(req.url) // as the client sent it: parsed once, never changed
  const journey = await beginJourney(req, received, requestId, config.observability, env.ADMIN_TOKEN) // the stages fill it; logged at the end
  let rateHeaders: Array<[string, string]> = []
  const done = (res: Response, route?: CompiledRoute) => recordJourney(finish(res, req, config, requestId, route, rateHeaders), journey, { env, ctx, policy: config.observability })

  if (REFUSED_METHODS.has(req.method) && !(req.method === 'TRACE' && config.forwarding.allowTrace)) {
    return done(problem(405, 'method-refused', { detail: `${req.method} is not forwarded by this proxy.`, accept, headers: { Allow: ALLOW_ALL } }))
  }
  if (isLoop(req.headers.get('via'), config.forwarding.via)) {
    return done(problem(508, 'loop-detected', { detail: 'This request has already passed through this proxy.', accept }))
  }
  const normal = normaliseUrl(req, received, config.paths) // from here on, the one path routing, access, cache and origin see
  if (normal.stop) return done(normal.stop)
  const url = normal.url

  const found = config.table.match({ method: req.method, host: routingHost(url), path: url.pathname, headers: req.headers })
  if (found.kind === 'none') return done(problem(404, 'no-route', { detail: 'No route serves this host and path.', accept }))
  if (found.kind === 'method-not-allowed') {
    return done(problem(405, 'method-not-allowed', { detail: `This resource accepts ${found.allow.join(', ')}.`, accept, headers: { Allow: found.allow.join(', ') } }))
  }
  const { route, params } = found
  journey.route = route.name
  const early = answerEarly(req, url, route.shield, route.cors) // http → https, CORS preflight
  if (early) return done(early, route)
  const access = await checkAccess(req, route.access, Date.now())
  if (access.stop) return done(access.stop, route)

  const limited = await checkRateLimits(req, route.rateLimits, { env, ctx, clientIp: req.headers.get('cf-connecting-ip') ?? undefined, path: url.pathname, journey, claims: access.claims })
  rateHeaders = limited.headers
  const stop = limited.stop ?? limitRequest(req, received, route.limits) ?? (await filterRequest(req, url, route.filter, requestId))
  if (stop) return done(stop, route)
  const action = route.action

  if (action.kind === 'redirect') {
    const location = fillTemplate(action.to, { ...params, host: url.host, path: url.pathname, query: url.search })
    return done(new Response(null, { status: action.status, headers: { Location: location } }), route)
  }
  if (action.kind === 'respond') {
    return done(new Response(req.method === 'HEAD' ? null : action.body, { status: action.status, headers: action.headers.map(([k, val]) => [k, val]) }), route)
  }

  let outgoing = requestForOrigin(req, url, config.forwarding.strippedRequestHeaders, access, route.limits)
  if ((req.method === 'OPTIONS' || req.method === 'TRACE') && req.headers.has('max-forwards')) {
    const headers = new Headers(outgoing.headers) // Max-Forwards is decremented on this copy
    if (takeMaxForwards(req.method, headers)) return done(answerLastHop(req), route)
    outgoing = new Request(outgoing, { headers })
  }

  const client: ClientFacts = {
    ip: req.headers.get('cf-connecting-ip') ?? undefined,
    proto: url.protocol.replace(':', ''),
    host: url.host,
    // Read when Via is written (request.cf is parsed whole on first read: a cache hit never needs it).
    get protocolVersion() {
      return viaProtocol((req.cf as { httpProtocol?: string } | undefined)?.httpProtocol)
    },
  }
  const variant = await assignVariants(req, url, route.experiments, { env, ctx, claims: access.claims })
  journey.variant = variant.label
  const proxied = withVariant(action, variant) // once, not per origin request (a revalidation makes a second)
  const forward = (r: Request) => forwardWithRetries({ req: r, url, action: proxied, params, client, requestId, config, env, ctx, journey })
  journey.cacheStartedAt = Date.now()
  const res = await serveWithCache(outgoing, url, action.cache, forward, { env, ctx, now: Date.now, variant: variant.label })
  return done(showVariant(compressBody(req, res, action.compress), variant), route)
}

/** Every response carries the request id, rate-limit headers when asked for, the route's security headers and its response header edits. */
function finish(res: Response, req: Request, config: CompiledConfig, requestId: string, route?: CompiledRoute, extra: ReadonlyArray<[string, string]> = []): Response {
  res.headers.set(config.requestId.header, requestId)
  if (route) secureResponse(res, req, route.shield, route.cors)
  for (const [name, value] of extra) res.headers.set(name, value)
  if (route) applyHeaderOps(res.headers, route.responseHeaders)
  return res
}

/** Max-Forwards reached 0 here (RFC 9110 section 7.6.2): OPTIONS gets Allow, TRACE its echo (9.3.8). */
function answerLastHop(req: Request): Response {
  if (req.method === 'OPTIONS') return new Response(null, { status: 200, headers: { Allow: ALLOW_ALL } })
  const url = new URL(req.url)
  const lines = [`TRACE ${url.pathname}${url.search} HTTP/1.1`]
  for (const [name, value] of req.headers) if (!TRACE_HIDDEN.has(name)) lines.push(`${name}: ${value}`)
  return new Response(`${lines.join('\r\n')}\r\n\r\n`, { status: 200, headers: { 'Content-Type': 'message/http' } })
}

function configInvalid(errors: readonly ConfigError[], req: Request): Response {
  const res = problem(500, 'config-invalid', {
    title: 'Configuration is invalid',
    detail: `${errors.length} problem${errors.length === 1 ? '' : 's'}; fix them in wrangler.toml (check offline with npm run check)`,
    extra: { errors },
    accept: req.headers.get('accept'),
  })
  res.headers.set('X-Request-Id', crypto.randomUUID())
  return res
}
