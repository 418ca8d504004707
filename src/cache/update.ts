// Freshening a stored response with a 304's headers (RFC 9111 sections 3.2 and 4.3.4): each field
// of the 304 replaces the stored one, except those that describe the stored body as kept (its
// length, coding, validator and digests) or the connection. Pure.
import { HOP_BY_HOP_HEADERS } from '../forward/request-headers.ts'

const BODY_FIELDS = ['content-length', 'content-encoding', 'content-range', 'etag', 'content-md5', 'content-digest', 'repr-digest', 'digest']
const KEPT_FROM_STORED = new Set([...BODY_FIELDS, 'transfer-encoding', ...HOP_BY_HOP_HEADERS])

export function mergeNotModified(stored: Headers, notModified: Headers): Headers {
  const merged = new Headers(stored)
  // The freshened response's age starts from the 304 (its own Age, if any): the request and
  // response times are reset, so the old Age would count time already past again.
  merged.delete('age')
  const replaced = new Set<string>()
  for (const [name] of notModified) {
    if (KEPT_FROM_STORED.has(name) || replaced.has(name)) continue
    replaced.add(name)
    merged.delete(name)
    if (name === 'set-cookie') for (const c of notModified.getSetCookie()) merged.append('set-cookie', c)
    else merged.set(name, notModified.get(name) as string)
  }
  return merged
}
