import { describe, expect, it } from 'vitest'
import { varyKey, varyNames } from './vary.ts'

describe('varyNames', () => {
  it.each<[string | null, string[]]>([
    [null, []],
    ['', []],
    ['Accept-Encoding', ['accept-encoding']],
    // Lower case, sorted and unique: "Foo, Bar" and "bar, FOO" select the same way.
    ['Foo, Bar, Baz', ['bar', 'baz', 'foo']],
    ['bar,FOO , foo', ['bar', 'foo']],
    [' , Accept ,, ', ['accept']],
    // "*" is told apart by isVaryStar; it never names a header here.
    ['*', []],
    ['Accept, *', ['accept']],
  ])('%j → %j', (vary, expected) => {
    expect(varyNames(new Headers(vary === null ? {} : { vary }))).toEqual(expected)
  })
})

describe('varyKey (RFC 9111 section 4.1)', () => {
  const key = (names: string[], headers: HeadersInit) => varyKey(names, new Headers(headers))

  it('is empty without Vary names', () => {
    expect(key([], { foo: '1' })).toBe('')
  })

  it('tells different values of a named header apart, and ignores headers Vary does not name', () => {
    expect(key(['foo'], { foo: '1', other: '2' })).toBe(key(['foo'], { foo: '1', other: '3' }))
    expect(key(['foo'], { foo: '1' })).not.toBe(key(['foo'], { foo: '2' }))
  })

  it('tells an absent header from an empty one, and from any value', () => {
    const absent = key(['foo'], {})
    expect(absent).not.toBe(key(['foo'], { foo: '' }))
    expect(absent).not.toBe(key(['foo'], { foo: '!' }))
    expect(absent).toBe(key(['foo'], { other: 'x' }))
  })

  it('needs every named header to match (cache-tests vary-2-no-match, vary-3-order)', () => {
    const names = ['bar', 'baz', 'foo']
    const first = key(names, { foo: '1', bar: 'abc4', baz: '789' })
    expect(key(names, { foo: '1', bar: 'abc', baz: '789' })).not.toBe(first)
    expect(key(names, { baz: '789', bar: 'abc4', foo: '1' })).toBe(first)
    // Both requests omitting the same header still match (vary-3-omit).
    expect(key(names, { foo: '1', baz: '789' })).toBe(key(names, { baz: '789', foo: '1' }))
  })

  it('folds whitespace around commas and combines field lines (vary-normalise-space, -combine)', () => {
    expect(key(['foo'], { foo: ' 1, 2 ' })).toBe(key(['foo'], { foo: '1,2' }))
    const lines = new Headers()
    lines.append('foo', '1')
    lines.append('foo', '2')
    expect(varyKey(['foo'], lines)).toBe(key(['foo'], { foo: '1, 2' }))
    expect(key(['foo'], { foo: 'a   b' })).toBe(key(['foo'], { foo: 'a b' }))
  })

  it('keeps the case of values, but for language tags (cache-tests vary-normalise-lang-case)', () => {
    expect(key(['foo'], { foo: 'A' })).not.toBe(key(['foo'], { foo: 'a' }))
    expect(key(['accept-language'], { 'accept-language': 'en-US, DE' })).toBe(key(['accept-language'], { 'accept-language': 'en-us, de' }))
    expect(key(['accept-language'], { 'accept-language': 'en, de' })).not.toBe(key(['accept-language'], { 'accept-language': 'de, en' }))
  })

  it('gives the many spellings of one Accept-Encoding one variant', () => {
    const names = ['accept-encoding']
    const a = key(names, { 'accept-encoding': 'gzip, deflate, br' })
    expect(key(names, { 'accept-encoding': 'br,gzip,deflate' })).toBe(a)
    expect(key(names, { 'accept-encoding': 'gzip;q=1.0, deflate;q=0.5, br;q=0.9' })).toBe(a)
    expect(key(names, { 'accept-encoding': 'GZIP, Deflate, BR, zstd;q=0' })).toBe(a)
    expect(key(names, { 'accept-encoding': 'gzip' })).not.toBe(a)
    expect(key(names, {})).not.toBe(key(names, { 'accept-encoding': '' }))
  })
})
