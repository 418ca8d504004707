// Which route serves a request. Routes are ordered: the first whose host, path, method and headers
// all fit wins. The table is indexed so a lookup is not a scan of every route: first by host (exact
// map, then wildcard suffixes, then host-less routes), then by path inside each host bucket with
// Hono's TrieRouter (one trie per bucket, not one regex per route). Not RegExpRouter: its build
// grows quadratically with prefix routes ("/x/*"), seconds of CPU for 10,000 on the first request.
import { TrieRouter } from 'hono/router/trie-router'
import type { Result, Router } from 'hono/router'

export interface RouteMatch {
  /** Lower-case host names; a leading "*." is a wildcard for one or more labels. */
  hosts?: readonly string[]
  /** Segment-wise prefix, without a trailing slash ("/" matches everything). */
  path?: string
  /** Hono path pattern: "/users/:id", "/files/*". */
  pattern?: string
  /** Upper-case methods; undefined: all. */
  methods?: ReadonlySet<string>
  /** Lower-case header name and the accepted values; "*" alone: any value. */
  headers?: ReadonlyArray<readonly [string, readonly string[]]>
}

export interface MatchableRoute {
  index: number
  match: RouteMatch
}

export interface RequestFacts {
  method: string
  /** Host without port, lower case. */
  host: string
  /** The URL's pathname, still percent-encoded. */
  path: string
  headers: Headers
}

export type MatchOutcome<R> =
  | { kind: 'route'; route: R; params: Record<string, string> }
  /** Some route fits everything but the method: answer 405 with these in Allow. */
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'none' }

const ALL = 'ALL'

export class RouteTable<R extends MatchableRoute> {
  readonly #exact = new Map<string, Router<number>>()
  readonly #wildcard = new Map<string, Router<number>>()
  readonly #anyHost: Router<number>
  readonly #routes: readonly R[]
  /** The first route when it fits every host and path (one `ORIGIN`, a catch-all first): no lookup needed. */
  readonly #catchAll: R | undefined

  constructor(routes: readonly R[]) {
    this.#routes = routes
    const first = routes[0]
    this.#catchAll = first && first.index === 0 && fitsEveryUrl(first.match) ? first : undefined
    this.#anyHost = newRouter()
    for (const route of routes) {
      const hosts = route.match.hosts
      if (!hosts || hosts.length === 0) {
        addPath(this.#anyHost, route)
        continue
      }
      for (const host of hosts) {
        const [map, key] = host.startsWith('*.') ? [this.#wildcard, host.slice(2)] : [this.#exact, host]
        let router = map.get(key)
        if (!router) map.set(key, (router = newRouter()))
        addPath(router, route)
      }
    }
  }

  match(req: RequestFacts): MatchOutcome<R> {
    const first = this.#catchAll
    if (first && headersFit(first.match.headers, req.headers) && methodFits(first.match.methods, req.method)) return { kind: 'route', route: first, params: {} }
    const candidates: Array<[number, Record<string, string>]> = []
    const collect = (router: Router<number> | undefined) => {
      if (router) for (const hit of routerHits(router, req.path)) candidates.push(hit)
    }
    collect(this.#exact.get(req.host))
    // "*.example.com" serves a.example.com and a.b.example.com, not example.com itself.
    for (let dot = req.host.indexOf('.'); dot !== -1; dot = req.host.indexOf('.', dot + 1)) {
      collect(this.#wildcard.get(req.host.slice(dot + 1)))
    }
    collect(this.#anyHost)
    candidates.sort((a, b) => a[0] - b[0])

    const allow = new Set<string>()
    let lastIndex = -1
    for (const [index, params] of candidates) {
      if (index === lastIndex) continue // a route listed under two matching host names
      lastIndex = index
      const route = this.#routes[index]
      if (!route || !headersFit(route.match.headers, req.headers)) continue
      const methods = route.match.methods
      if (methods && !methodFits(methods, req.method)) {
        for (const m of methods) {
          allow.add(m)
          if (m === 'GET') allow.add('HEAD')
        }
        continue
      }
      return { kind: 'route', route, params }
    }
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'none' }
  }
}

function newRouter(): Router<number> {
  return new TrieRouter<number>()
}

/** The Hono pattern a route's path condition compiles to. */
export function routerPattern(match: RouteMatch): string {
  if (match.pattern) return match.pattern
  if (!match.path || match.path === '/') return '/*'
  return `${match.path}/*` // Hono's "/api/*" matches /api, /api/ and /api/x, not /apix
}

/** Why Hono cannot compile a pattern, or undefined when it can (it compiles lazily, so try now). */
export function patternError(pattern: string): string | undefined {
  try {
    const router = newRouter()
    router.add(ALL, pattern, 0)
    router.match(ALL, '/')
    return undefined
  } catch (err) {
    return `cannot be compiled: ${(err as Error).message}; see Hono's routing patterns ("/users/:id", "/files/*")`
  }
}

function addPath(router: Router<number>, route: MatchableRoute): void {
  router.add(ALL, routerPattern(route.match), route.index)
}

/** Hono routers answer in two shapes (RegExpRouter uses a parameter stash); flatten both. */
function routerHits(router: Router<number>, path: string): Array<[number, Record<string, string>]> {
  const result: Result<number> = router.match(ALL, path)
  const [handlers, stash] = result as [Array<[number, Record<string, unknown>]>, string[] | undefined]
  return handlers.map(([index, paramMap]) => {
    const params: Record<string, string> = {}
    for (const [name, value] of Object.entries(paramMap)) {
      params[name] = stash ? (stash[value as number] ?? '') : String(value)
    }
    return [index, params]
  })
}

/** A route that serves GET serves HEAD too (RFC 9110 sections 9.1 and 9.3.2). */
function methodFits(methods: RouteMatch['methods'], method: string): boolean {
  return !methods || methods.has(method) || (method === 'HEAD' && methods.has('GET'))
}

function fitsEveryUrl(match: RouteMatch): boolean {
  return (!match.hosts || match.hosts.length === 0) && !match.pattern && (!match.path || match.path === '/')
}

function headersFit(wanted: RouteMatch['headers'], headers: Headers): boolean {
  if (!wanted) return true
  for (const [name, values] of wanted) {
    const got = headers.get(name)
    if (got === null) return false
    if (values.length === 1 && values[0] === '*') continue
    if (!values.includes(got)) return false
  }
  return true
}

/** Host for routing: the URL's host (RFC 9112 section 3.2.2), lower case, without port or final dot. */
export function routingHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.$/, '')
}
