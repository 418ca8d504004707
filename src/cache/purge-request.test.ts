import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { PurgeBody, purgeRecords } from './purge-request.ts'

const T = 1_700_000_000_000
const parse = (body: unknown) => v.safeParse(PurgeBody, body)

describe('PurgeBody', () => {
  it.each<[string, unknown]>([
    ['URLs', { urls: ['https://www.example.com/a', 'http://www.example.com/b?x=1'] }],
    ['prefixes', { prefixes: ['https://www.example.com/blog/'] }],
    ['tags', { tags: ['blog', 'post-1'] }],
    ['everything', { everything: true }],
    ['all of them at once', { urls: ['https://www.example.com/a'], prefixes: ['https://www.example.com/'], tags: ['t'], everything: true }],
    // Valid JSON that names nothing: the admin route answers 400 for it (no records).
    ['an empty object', {}],
  ])('accepts %s', (_what, body) => {
    expect(parse(body).success).toBe(true)
  })

  it.each<[string, unknown, string]>([
    ['a relative URL', { urls: ['/a'] }, 'urls.0'],
    ['a URL that is not a string', { urls: [42] }, 'urls.0'],
    ['URLs that are not a list', { urls: 'https://www.example.com/a' }, 'urls'],
    ['a relative prefix', { prefixes: ['blog/'] }, 'prefixes.0'],
    ['an empty tag', { tags: [''] }, 'tags.0'],
    ['everything: false', { everything: false }, 'everything'],
    ['an unknown field', { url: 'https://www.example.com/a' }, 'url'],
    ['a URL that is not http or https', { urls: ['javascript:alert(1)'] }, 'urls.0'],
    // KV keeps a record in 1,024 bytes of metadata.
    ['a tag over 800 bytes', { tags: ['t'.repeat(801)] }, 'tags.0'],
    ['a tag of 400 three-byte characters (1,200 bytes)', { tags: ['ユ'.repeat(400)] }, 'tags.0'],
    ['a URL over 800 bytes', { urls: [`https://www.example.com/${'u'.repeat(800)}`] }, 'urls.0'],
    ['a prefix that normalises to over 800 bytes', { prefixes: [`https://www.example.com/${'é'.repeat(150)}`] }, 'prefixes.0'],
    ['more than 100 tags', { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }, 'tags'],
  ])('rejects %s', (_what, body, path) => {
    const parsed = parse(body)
    expect(parsed.success).toBe(false)
    expect(parsed.issues?.map((i) => i.path?.map((p) => String(p.key)).join('.'))).toContain(path)
  })

  it('accepts a tag of 800 bytes, and 100 entries in all, but not 101 across the lists', () => {
    expect(parse({ tags: ['t'.repeat(800)] }).success).toBe(true)
    const urls = Array.from({ length: 50 }, (_, i) => `https://www.example.com/${i}`)
    expect(parse({ urls, tags: urls.map((_, i) => `t${i}`) }).success).toBe(true)
    const over = parse({ urls, tags: [...urls.map((_, i) => `t${i}`), 'one-more'] })
    expect(over.success).toBe(false)
    expect(over.issues?.[0]?.message).toMatch(/at most 100/)
  })

  it('rejects a body that is not an object', () => {
    expect(parse(['https://www.example.com/a']).success).toBe(false)
    expect(parse(null).success).toBe(false)
  })
})

describe('purgeRecords', () => {
  it('makes one record per URL, prefix and tag, and one for everything, all stamped now', () => {
    const records = purgeRecords({ everything: true, urls: ['https://www.example.com/a'], prefixes: ['https://www.example.com/blog/'], tags: ['t1', 't2'] }, T)
    expect(records).toEqual([
      { at: T, kind: 'all', value: '' },
      { at: T, kind: 'url', value: 'https://www.example.com/a' },
      { at: T, kind: 'prefix', value: 'https://www.example.com/blog/' },
      { at: T, kind: 'tag', value: 't1' },
      { at: T, kind: 'tag', value: 't2' },
    ])
  })

  it('normalises URLs as the cache stores them (host case, default port, empty path)', () => {
    expect(purgeRecords({ urls: ['HTTPS://WWW.Example.com:443'], prefixes: ['https://Example.com:8443/Blog'] }, T)).toEqual([
      { at: T, kind: 'url', value: 'https://www.example.com/' },
      { at: T, kind: 'prefix', value: 'https://example.com:8443/Blog' },
    ])
  })

  it('makes no record for a body that names nothing', () => {
    expect(purgeRecords({}, T)).toEqual([])
  })
})
