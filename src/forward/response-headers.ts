// The headers a client receives from an origin: hop-by-hop ones dropped, origin-revealing ones
// hidden, and the origin's own URLs (Location, Content-Location, Set-Cookie Domain and Path)
// mapped back to the public host and prefix. Pure.
import { unrewritePath, stripSegmentPrefix, type PathRewrite } from '../routing/index.ts'
import { stripHopByHop } from './request-headers.ts'

/** Where a response came from and where the client thinks it is, for mapping URLs back. */
export interface UrlMapping {
  /** The upstream's origin ("http://10.0.0.5:8080") and base path ("/app" or ""). */
  upstreamOrigin: string
  upstreamBasePath: string
  upstreamHostname: string
  /** The public origin the client used ("https://www.example.com"). */
  publicOrigin: string
  publicHostname: string
  rewrite: PathRewrite
}

export function cleanResponseHeaders(headers: Headers, hidden: readonly string[], isUpgrade: boolean): void {
  stripHopByHop(headers, isUpgrade)
  for (const name of hidden) headers.delete(name)
}

/** Rewrite Location and Content-Location that point at the upstream to the public URL. */
export function rewriteLocations(headers: Headers, map: UrlMapping): void {
  for (const name of ['location', 'content-location']) {
    const value = headers.get(name)
    if (value === null) continue
    const rewritten = publicUrlFor(value, map)
    if (rewritten !== undefined) headers.set(name, rewritten)
  }
}

/** The public form of a URL the origin wrote, or undefined to leave it alone. */
export function publicUrlFor(value: string, map: UrlMapping): string | undefined {
  if (value.startsWith('/') && !value.startsWith('//')) {
    const { path, rest } = splitPath(value)
    const mapped = publicPath(path, map)
    return mapped === undefined ? undefined : mapped + rest
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined // relative-path references resolve against the request and need no change
  }
  if (url.origin !== map.upstreamOrigin) return undefined
  const mapped = publicPath(url.pathname, map)
  if (mapped === undefined) return undefined
  return map.publicOrigin + mapped + url.search + url.hash
}

function splitPath(value: string): { path: string; rest: string } {
  const cut = value.search(/[?#]/)
  return cut === -1 ? { path: value, rest: '' } : { path: value.slice(0, cut), rest: value.slice(cut) }
}

function publicPath(originPath: string, map: UrlMapping): string | undefined {
  const underBase = stripSegmentPrefix(originPath, map.upstreamBasePath)
  if (underBase === undefined) return undefined
  return unrewritePath(map.rewrite, underBase === '' ? '/' : underBase)
}

/** Rewrite each Set-Cookie's Domain (when it names the upstream) and Path (when under the mapping). */
export function rewriteSetCookies(headers: Headers, map: UrlMapping): void {
  const cookies = headers.getSetCookie()
  if (cookies.length === 0) return
  const rewritten = cookies.map((c) => rewriteSetCookie(c, map))
  if (rewritten.every((c, i) => c === cookies[i])) return
  headers.delete('set-cookie')
  for (const c of rewritten) headers.append('set-cookie', c)
}

export function rewriteSetCookie(cookie: string, map: UrlMapping): string {
  const parts = cookie.split(';')
  let changed = false
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string
    const eq = part.indexOf('=')
    if (eq === -1) continue
    const name = part.slice(0, eq).trim().toLowerCase()
    const value = part.slice(eq + 1).trim()
    if (name === 'domain' && value.replace(/^\./, '').toLowerCase() === map.upstreamHostname) {
      parts[i] = ` Domain=${map.publicHostname}`
      changed = true
    } else if (name === 'path' && value.startsWith('/')) {
      // "/" under a stripped "/api" is "/api", not "/api/": RFC 6265 section 5.1.4 path-match
      // then covers both /api and /api/x. A trailing slash the origin wrote itself ("/docs/") stays.
      const keepSlash = value.length > 1 && value.endsWith('/')
      const mapped = keepSlash ? publicPath(value, map) : publicPath(value, map)?.replace(/(.)\/$/, '$1')
      if (mapped !== undefined && mapped !== value) {
        parts[i] = ` Path=${mapped}`
        changed = true
      }
    }
  }
  return changed ? parts.join(';') : cookie
}
