// Path rewriting between the public URL space and an origin's, in both directions: forward for the
// request, backward for what the origin says about its own URLs (Location, Content-Location,
// Set-Cookie Path), as nginx's `proxy_redirect default` and `proxy_cookie_path` do.

export type PathRewrite =
  | { kind: 'none' }
  /** Public prefix `from` (no trailing slash) is `to` at the origin ("" when stripped). */
  | { kind: 'prefix'; from: string; to: string }
  /** Whole path from a template with {param} placeholders. */
  | { kind: 'template'; template: string }

/** The origin-side path for a public path. */
export function rewritePath(rw: PathRewrite, path: string, params: Record<string, string>): string {
  switch (rw.kind) {
    case 'none':
      return path
    case 'prefix': {
      const rest = path.slice(rw.from === '/' ? 0 : rw.from.length)
      const joined = joinPath(rw.to, rest)
      return joined === '' ? '/' : joined
    }
    case 'template':
      return fillTemplate(rw.template, params)
  }
}

/**
 * The public path for a path at the origin, or undefined when the origin path lies outside what
 * this route exposes (then it is left as the origin wrote it).
 */
export function unrewritePath(rw: PathRewrite, originPath: string): string | undefined {
  if (rw.kind === 'none') return originPath
  if (rw.kind === 'template') return undefined
  const rest = stripSegmentPrefix(originPath, rw.to)
  if (rest === undefined) return undefined
  return joinPath(rw.from === '/' ? '' : rw.from, rest) || '/'
}

/** `path` without `prefix` when prefix covers whole segments of it; "" prefix covers everything. */
export function stripSegmentPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '' || prefix === '/') return path
  if (path === prefix) return ''
  if (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* "/" */) return path.slice(prefix.length)
  return undefined
}

/** Join two path parts with exactly one slash between them. */
export function joinPath(base: string, rest: string): string {
  if (rest === '') return base
  if (base.endsWith('/') && rest.startsWith('/')) return base + rest.slice(1)
  if (!base.endsWith('/') && !rest.startsWith('/')) return `${base}/${rest}`
  return base + rest
}

/** Replace {name} placeholders; unknown names were rejected when the config was compiled. */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole)
}

/** The placeholder names a template uses, for validation. */
export function templateNames(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string)
}

/** Parameter names a Hono pattern declares ("/users/:id{[0-9]+}" → ["id"]). */
export function patternParams(pattern: string): string[] {
  return [...pattern.matchAll(/\/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string)
}
