import { describe, expect, it } from 'vitest'
import { appendVary, markPrivate } from './vary.ts'

describe('appendVary', () => {
  it.each<[string, string | null, string, string]>([
    ['no Vary yet', null, 'Cookie', 'Cookie'],
    ['an empty Vary', '', 'Cookie', 'Cookie'],
    ['another name', 'Accept-Encoding', 'Cookie', 'Accept-Encoding, Cookie'],
    ['the name already there, in another case', 'accept-encoding, cookie', 'Cookie', 'accept-encoding, cookie'],
    ['Vary: * (already covers it)', '*', 'Cookie', '*'],
  ])('%s', (_what, before, name, after) => {
    const h = new Headers(before === null ? {} : { vary: before })
    appendVary(h, name)
    expect(h.get('vary')).toBe(after)
  })
})

describe('markPrivate', () => {
  it.each<[string, string | null, string]>([
    ['no Cache-Control', null, 'private'],
    ['public with max-age', 'public, max-age=600', 'private, max-age=600'],
    ['s-maxage and proxy-revalidate (shared caches only)', 'max-age=60, s-maxage=600, proxy-revalidate', 'private, max-age=60'],
    ['already private', 'private, max-age=60', 'private, max-age=60'],
    ['private naming a field', 'private="Set-Cookie", max-age=60', 'private, max-age=60'],
    ['no-cache and must-revalidate kept', 'no-cache, must-revalidate', 'private, no-cache, must-revalidate'],
    ['no-store (left alone: it says more)', 'no-store', 'no-store'],
  ])('%s', (_what, before, after) => {
    const h = new Headers(before === null ? {} : { 'cache-control': before })
    markPrivate(h)
    expect(h.get('cache-control')).toBe(after)
  })
})
