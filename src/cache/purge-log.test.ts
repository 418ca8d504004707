import { describe, expect, it } from 'vitest'
import { isPurged, responseTags, type Purgeable, type PurgeRecord } from './purge-log.ts'

const T = 1_700_000_000_000
const ENTRY: Purgeable = { storedAt: T, url: 'https://www.example.com/blog/post-1?x=1', tags: ['blog', 'post-1'] }

describe('isPurged: a record newer than the entry that covers it', () => {
  it.each<[string, PurgeRecord, boolean]>([
    ['everything', { at: T + 1, kind: 'all', value: '' }, true],
    ['its URL', { at: T + 1, kind: 'url', value: 'https://www.example.com/blog/post-1?x=1' }, true],
    ['its URL without the query', { at: T + 1, kind: 'url', value: 'https://www.example.com/blog/post-1' }, false],
    ['another URL', { at: T + 1, kind: 'url', value: 'https://www.example.com/blog/post-2' }, false],
    ['a prefix of its URL', { at: T + 1, kind: 'prefix', value: 'https://www.example.com/blog/' }, true],
    ['the whole host as a prefix', { at: T + 1, kind: 'prefix', value: 'https://www.example.com/' }, true],
    ['another prefix', { at: T + 1, kind: 'prefix', value: 'https://www.example.com/shop/' }, false],
    ['a prefix on another host', { at: T + 1, kind: 'prefix', value: 'https://api.example.com/blog/' }, false],
    ['one of its tags', { at: T + 1, kind: 'tag', value: 'post-1' }, true],
    ['a tag it does not carry', { at: T + 1, kind: 'tag', value: 'post-2' }, false],
    // Tags are compared exactly.
    ['a tag differing in case', { at: T + 1, kind: 'tag', value: 'Blog' }, false],
    // Only records newer than the entry count: what was stored after a purge is not purged.
    ['everything, at the time it was stored', { at: T, kind: 'all', value: '' }, false],
    ['everything, before it was stored', { at: T - 1, kind: 'all', value: '' }, false],
    ['its URL, before it was stored', { at: T - 60_000, kind: 'url', value: ENTRY.url }, false],
    ['its tag, before it was stored', { at: T - 1, kind: 'tag', value: 'blog' }, false],
  ])('by %s → %s', (_what, record, expected) => {
    expect(isPurged([record], ENTRY)).toBe(expected)
  })

  it('is not purged by an empty log, and is by any one matching record of many', () => {
    expect(isPurged([], ENTRY)).toBe(false)
    const log: PurgeRecord[] = [
      { at: T + 5, kind: 'tag', value: 'shop' },
      { at: T - 5, kind: 'all', value: '' },
      { at: T + 9, kind: 'prefix', value: 'https://www.example.com/blog' },
    ]
    expect(isPurged(log, ENTRY)).toBe(true)
    expect(isPurged(log.slice(0, 2), ENTRY)).toBe(false)
  })
})

describe('responseTags', () => {
  it.each<[Record<string, string>, string[]]>([
    [{}, []],
    [{ 'cache-tag': 'a,b , c' }, ['a', 'b', 'c']],
    [{ 'surrogate-key': 'a  b\tc' }, ['a', 'b', 'c']],
    [{ 'cache-tag': 'a, b', 'surrogate-key': 'b c' }, ['a', 'b', 'c']],
    [{ 'cache-tag': ' , ' }, []],
  ])('%j → %j', (headers, expected) => {
    expect(responseTags(new Headers(headers))).toEqual(expected)
  })
})
