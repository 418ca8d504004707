import { describe, expect, it } from 'vitest'
import { compileLinear } from './linear-regex.ts'

/** The answer must agree with JavaScript's RegExp wherever both can run. */
function agrees(pattern: string, inputs: string[], flags = '') {
  const mine = compileLinear(pattern, flags.includes('i'))
  const js = new RegExp(pattern, flags)
  for (const s of inputs) expect(mine.test(s), `${pattern} on ${JSON.stringify(s)}`).toBe(js.test(s))
}

describe('matching agrees with JavaScript RegExp on the supported syntax', () => {
  const words = ['', 'a', 'ab', 'abc', 'xabcx', 'ABC', 'aaa', 'b', 'ba', 'a1', 'a_b', 'a b', 'a\nb', 'union select', 'unionselect', 'x-y', '12345', '<script>', '[x]']
  it.each([
    'abc',
    '^abc$',
    '^a',
    'c$',
    'a|b|c',
    'ab|cd',
    'a*',
    '^a*$',
    '^a+$',
    '^a?b$',
    '^a{2}$',
    '^a{1,2}$',
    '^a{2,}$',
    'a.c',
    '^.*$',
    '[abc]',
    '^[a-c]+$',
    '[^a-c]',
    '\\d+',
    '\\D',
    '\\w+\\s\\w+',
    '\\bselect\\b',
    '\\Bnion',
    'union\\s+select',
    '(?:ab)+',
    '^(a|b)*c?$',
    '<\\s*script\\b',
    '[\\]x]',
    'x\\-y',
    '[\\d_]b',
    'a.*?c',
    '\\x3c',
  ])('%s', (pattern) => {
    agrees(pattern, words)
  })

  it('folds ASCII case when asked', () => {
    agrees('UNION\\s+select', ['union SELECT', 'UnIoN sElEcT', 'union-select'], 'i')
    agrees('[a-c]x', ['Bx', 'BX', 'dx'], 'i')
    expect(compileLinear('(?i)abc').test('ABC')).toBe(true)
    expect(compileLinear('abc').test('ABC')).toBe(false)
  })

  it('accepts named groups and lazy quantifiers', () => {
    expect(compileLinear('(?P<kw>select)\\s+\\*').test('select *')).toBe(true)
    expect(compileLinear('(?<kw>a)+?b').test('aaab')).toBe(true)
  })
})

describe('what cannot run in linear time is refused', () => {
  it.each([
    ['(a)\\1', 'backreferences'],
    ['a(?=b)', 'lookaround'],
    ['a(?!b)', 'lookaround'],
    ['(?<=a)b', 'lookaround'],
    ['(?<!a)b', 'lookaround'],
    ['[abc', 'missing "]"'],
    ['(ab', 'missing ")"'],
    ['ab)', 'unexpected'],
    ['a**', 'repetition'],
    ['*a', 'repetition'],
    ['a{1001}', 'repetition'],
    ['a{3,2}', 'repetition'],
    ['\\q', 'unknown escape'],
    ['(?s)a', 'supported'],
    ['(?:a{1000}){1000}', 'too large'],
  ])('%s (%s)', (pattern, why) => {
    expect(() => compileLinear(pattern)).toThrow(why)
  })
})

// workerd's clock stands still while code runs, so these cannot time themselves: on a backtracking
// engine they would run for longer than the universe has existed, and fail by the test timeout.
describe('linear time on inputs that make backtracking engines explode', () => {
  it.each([
    ['^(a+)+$', 'a'.repeat(100_000) + '!'],
    ['(a|a)*b', 'a'.repeat(100_000)],
    ['(x+x+)+y', 'x'.repeat(100_000)],
    ['^(\\w+\\s?)*$', 'word '.repeat(20_000) + '!'],
    ['(.*a){20}', 'a'.repeat(50_000)],
    ['(a*)*b', 'a'.repeat(100_000)],
  ])('%s', (pattern, input) => {
    expect(typeof compileLinear(pattern).test(input)).toBe('boolean')
  })

  it('answers (.*a){20} correctly on a long input', () => {
    expect(compileLinear('^(.*a){20}$').test('a'.repeat(50_000))).toBe(true)
    expect(compileLinear('^(a+)+$').test('a'.repeat(100_000))).toBe(true)
  })
})
