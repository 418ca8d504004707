import { describe, expect, it } from 'vitest'
import { compileCachePolicy } from './policy.ts'

describe('compileCachePolicy', () => {
  it('turns a route cache off with enabled: false', () => {
    expect(compileCachePolicy({ enabled: false, edgeTtlSeconds: 60 })).toBeUndefined()
  })

  it('follows the origin by default: no overrides, 10% heuristic capped at a day, collapsing on, no KV, memory on', () => {
    expect(compileCachePolicy({})).toEqual({
      key: { ignoreQuery: false, sortQuery: false, headers: [], cookies: [] },
      freshness: { heuristicFraction: 0.1, heuristicMaxSeconds: 86_400, edgeTtlSeconds: undefined },
      storage: { cacheErrors: false, storeSetCookie: false, edgeTtlSeconds: undefined },
      browserTtlSeconds: undefined,
      staleIfErrorSeconds: 0,
      bypassCookies: [],
      bypassHeaders: [],
      collapse: true,
      kvMaxBytes: undefined,
      memory: { maxEntryBytes: 65_536, holdSeconds: 30 },
      targetedFields: ['cdn-cache-control'],
      honorRequestDirectives: true,
    })
  })

  it('applies every setting, header names in lower case, the own targeted field before CDN-Cache-Control', () => {
    const p = compileCachePolicy({
      edgeTtlSeconds: 300,
      browserTtlSeconds: 60,
      heuristicPercent: 25,
      heuristicMaxSeconds: 600,
      cacheErrors: true,
      storeSetCookie: true,
      staleIfErrorSeconds: 3600,
      key: { ignoreQuery: ['utm_source'], sortQuery: true, headers: ['X-Device'], cookies: ['lang'] },
      bypass: { cookies: ['session'], headers: ['X-Preview'] },
      collapse: false,
      kv: { maxBytes: 2048 },
      targetedField: 'Portico-Cache-Control',
      honorRequestDirectives: false,
    })
    expect(p).toMatchObject({
      key: { ignoreQuery: ['utm_source'], sortQuery: true, headers: ['x-device'], cookies: ['lang'] },
      freshness: { heuristicFraction: 0.25, heuristicMaxSeconds: 600, edgeTtlSeconds: 300 },
      storage: { cacheErrors: true, storeSetCookie: true, edgeTtlSeconds: 300 },
      browserTtlSeconds: 60,
      staleIfErrorSeconds: 3600,
      bypassCookies: ['session'],
      bypassHeaders: ['x-preview'],
      collapse: false,
      kvMaxBytes: 2048,
      targetedFields: ['portico-cache-control', 'cdn-cache-control'],
      honorRequestDirectives: false,
    })
  })

  it.each<[boolean | { maxBytes?: number }, number | undefined]>([
    [false, undefined],
    [true, 1_048_576],
    [{}, 1_048_576],
    [{ maxBytes: 10 }, 10],
  ])('kv %j → at most %s bytes in KV', (kv, expected) => {
    expect(compileCachePolicy({ kv })?.kvMaxBytes).toBe(expected)
  })

  it.each<[boolean | { maxEntryBytes?: number; holdSeconds?: number }, { maxEntryBytes: number; holdSeconds: number } | undefined]>([
    [false, undefined],
    [true, { maxEntryBytes: 65_536, holdSeconds: 30 }],
    [{ holdSeconds: 5 }, { maxEntryBytes: 65_536, holdSeconds: 5 }],
    [{ maxEntryBytes: 1024 }, { maxEntryBytes: 1024, holdSeconds: 30 }],
  ])('memory %j → %j', (memory, expected) => {
    expect(compileCachePolicy({ memory })?.memory).toEqual(expected)
  })
})
