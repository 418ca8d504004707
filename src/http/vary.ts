// Telling downstream caches (browsers, shared proxies) what a response depends on: Vary names
// (RFC 9110 section 12.5.5) and Cache-Control private (RFC 9111 section 5.2.2.7). Pure.

/** Add `name` to Vary unless it is there already or Vary is "*" (which covers every header). */
export function appendVary(headers: Headers, name: string): void {
  const vary = headers.get('vary')
  if (vary === null || vary.trim() === '') headers.set('vary', name)
  else if (!vary.split(',').some((v) => ['*', name.toLowerCase()].includes(v.trim().toLowerCase()))) headers.set('vary', `${vary}, ${name}`)
}

/**
 * Make a response storable only by the client's own cache: "private" replaces "public" and
 * "s-maxage" (shared-cache directives), the other directives stay; "no-store" already says more.
 */
export function markPrivate(headers: Headers): void {
  const directives = (headers.get('cache-control') ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
  if (directives.some((d) => /^no-store$/i.test(d))) return
  const kept = directives.filter((d) => !/^(public|private|s-maxage|proxy-revalidate)(\s*=.*)?$/i.test(d))
  headers.set('cache-control', ['private', ...kept].join(', '))
}
