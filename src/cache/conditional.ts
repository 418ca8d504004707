// Conditional requests answered from storage (RFC 9110 section 13): If-None-Match (weak
// comparison) takes precedence over If-Modified-Since; If-Range decides whether a Range applies.
// Pure.
import { parseHttpDate } from './freshness.ts'

/**
 * Entity tags of a field value ("W/\"a\", \"b\"" → ['W/"a"', '"b"']), or "*" for any. Tags that
 * break the grammar in common ways (no quotes, "w/", "W" without the slash) are read as the
 * sender meant them, as browsers and most caches do.
 */
function entityTags(value: string): string[] | '*' {
  if (value.trim() === '*') return '*'
  const quoted = value.match(/([Ww]\/?)?"[^"]*"/g)
  return quoted ?? value.split(',').map((t) => t.trim()).filter(Boolean)
}

/** The opaque part of a tag, without weakness marker or quotes. */
export function opaqueTag(tag: string): string {
  return tag.trim().replace(/^[Ww]\/?(?=")/, '').replace(/^"(.*)"$/, '$1')
}

const isWeak = (tag: string) => /^[Ww]\/?"/.test(tag.trim())

/** Weak comparison (RFC 9110 section 8.8.3.2): equal opaque tags, W/ ignored. */
export function weakMatch(a: string, b: string): boolean {
  return opaqueTag(a) === opaqueTag(b)
}

/** Strong comparison: both strong and equal. */
export function strongMatch(a: string, b: string): boolean {
  return !isWeak(a) && !isWeak(b) && opaqueTag(a) === opaqueTag(b)
}

/** A stored ETag as a valid entity-tag, for the If-None-Match a cache sends. */
export function quotedTag(tag: string): string {
  const t = tag.trim()
  return /^(W\/)?"[^"]*"$/.test(t) ? t : `${isWeak(t) ? 'W/' : ''}"${opaqueTag(t)}"`
}

/**
 * Whether a GET or HEAD with these request headers can be answered 304 Not Modified from a stored
 * response with these headers (RFC 9110 section 13.2.2, steps 3 and 4).
 */
export function notModified(request: Headers, stored: Headers): boolean {
  const inm = request.get('if-none-match')
  if (inm !== null) {
    const etag = stored.get('etag')
    const tags = entityTags(inm)
    if (tags === '*') return etag !== null
    return etag !== null && tags.some((t) => weakMatch(t, etag))
  }
  const ims = request.get('if-modified-since')
  if (ims !== null) {
    // RFC 9111 section 4.3.2: without Last-Modified a cache uses the stored Date.
    const since = parseHttpDate(ims)
    const lastModified = parseHttpDate(stored.get('last-modified') ?? stored.get('date'))
    return !Number.isNaN(since) && !Number.isNaN(lastModified) && lastModified <= since
  }
  return false
}

/** Whether the request carries a condition this cache evaluates itself. */
export function isConditional(request: Headers): boolean {
  return request.has('if-none-match') || request.has('if-modified-since')
}

/** Preconditions the cache leaves to the origin (state-changing checks). */
export function hasOriginPreconditions(request: Headers): boolean {
  return request.has('if-match') || request.has('if-unmodified-since')
}

/** If-Range (RFC 9110 section 13.1.5): does the Range still apply to the stored representation? */
export function ifRangeHolds(request: Headers, stored: Headers): boolean {
  const ifRange = request.get('if-range')
  if (ifRange === null) return true
  const value = ifRange.trim()
  if (value.startsWith('"') || value.startsWith('W/')) {
    const etag = stored.get('etag')
    return etag !== null && strongMatch(value, etag)
  }
  const date = parseHttpDate(value)
  const lastModified = parseHttpDate(stored.get('last-modified'))
  return !Number.isNaN(date) && !Number.isNaN(lastModified) && date === lastModified
}

/** Headers a 304 carries (RFC 9110 section 15.4.5): the stored ones, less the body's own. */
export function notModifiedHeaders(stored: Headers): Headers {
  const h = new Headers(stored)
  for (const name of ['content-length', 'content-range', 'transfer-encoding', 'content-encoding']) h.delete(name)
  return h
}
