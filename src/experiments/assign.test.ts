import { describe, expect, it } from 'vitest'
import { assign, bucketOf, overrideFor, variantAt, type WeightedVariant } from './assign.ts'

/** Simulated users: stable ids, as a user-id header or a visitor cookie would give them. */
const USERS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`)
/**
 * Allowed distance of a split from its weights, in percentage points. At 20,000 users the
 * standard deviation of a share is at most 0.35 points (50/50), so 1 point is about 3 deviations;
 * placement is a hash, so the result is the same on every run.
 */
const TOLERANCE_POINTS = 1

const v = (entries: Record<string, number>): WeightedVariant[] => Object.entries(entries).map(([name, weight]) => ({ name, weight }))

/** Each user's variant when newly placed. */
function place(experiment: string, variants: readonly WeightedVariant[], users = USERS): Map<string, string> {
  const out = new Map<string, string>()
  for (const u of users) out.set(u, assign({ experiment, variants, subject: u, stored: undefined, override: undefined })?.variant ?? '-')
  return out
}

/** Share of users per variant, in percent. */
function shares(placed: Map<string, string>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of placed.values()) counts[name] = (counts[name] ?? 0) + 1
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, (100 * n) / placed.size]))
}

function expectSplit(placed: Map<string, string>, expected: Record<string, number>): void {
  const got = shares(placed)
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).filter((k) => (expected[k] as number) > 0).sort())
  for (const [name, percent] of Object.entries(expected)) {
    if (percent === 0) continue
    expect(Math.abs((got[name] ?? 0) - percent), `${name}: ${got[name]?.toFixed(2)}% for ${percent}%`).toBeLessThanOrEqual(TOLERANCE_POINTS)
  }
}

describe('new users are split by weight (20,000 users, within 1 percentage point)', () => {
  it.each<[string, Record<string, number>, Record<string, number>]>([
    ['50/50', { a: 50, b: 50 }, { a: 50, b: 50 }],
    ['90/10', { control: 90, canary: 10 }, { control: 90, canary: 10 }],
    ['95/5', { control: 95, canary: 5 }, { control: 95, canary: 5 }],
    ['three ways', { a: 1, b: 1, c: 1 }, { a: 100 / 3, b: 100 / 3, c: 100 / 3 }],
    ['60/30/10 as relative weights 6, 3, 1', { a: 6, b: 3, c: 1 }, { a: 60, b: 30, c: 10 }],
    ['fractional weights 0.5/0.25/0.25', { a: 0.5, b: 0.25, c: 0.25 }, { a: 50, b: 25, c: 25 }],
    ['a variant at weight 0 gets nobody', { a: 70, off: 0, b: 30 }, { a: 70, off: 0, b: 30 }],
  ])('%s', (_what, weights, expected) => {
    expectSplit(place('split', v(weights)), expected)
  })

  it('places the same users the same way in another experiment only by chance (placements are independent)', () => {
    const one = place('checkout', v({ a: 50, b: 50 }))
    const two = place('banner', v({ a: 50, b: 50 }))
    const same = USERS.filter((u) => one.get(u) === two.get(u)).length
    // Independent 50/50 placements agree for half the users.
    expect(Math.abs((100 * same) / USERS.length - 50)).toBeLessThanOrEqual(TOLERANCE_POINTS)
  })

  it('spreads users evenly over the whole range: each tenth of [0, 1) holds 10% ± 1 point', () => {
    const tenths = new Array<number>(10).fill(0)
    for (const u of USERS) {
      const b = bucketOf('range', u)
      expect(b).toBeGreaterThan(0)
      expect(b).toBeLessThan(1)
      tenths[Math.floor(b * 10)] = (tenths[Math.floor(b * 10)] as number) + 1
    }
    for (const n of tenths) expect(Math.abs((100 * n) / USERS.length - 10)).toBeLessThanOrEqual(TOLERANCE_POINTS)
  })
})

describe('placement is deterministic', () => {
  it('gives a user the same bucket and variant every time, in any isolate (a pure hash of experiment and user)', () => {
    const variants = v({ a: 1, b: 1, c: 1 })
    for (const u of USERS.slice(0, 500)) {
      expect(bucketOf('exp', u)).toBe(bucketOf('exp', u))
      expect(assign({ experiment: 'exp', variants, subject: u, stored: undefined, override: undefined })).toEqual(
        assign({ experiment: 'exp', variants, subject: u, stored: undefined, override: undefined }),
      )
    }
  })

  it('keeps the placements of running experiments when Portico is upgraded (pinned: a new hash would move users without a remembered assignment)', () => {
    const ab = v({ a: 1, b: 1 })
    const first24 = Array.from({ length: 24 }, (_, i) => variantAt(ab, bucketOf('checkout', `user-${i}`))).join('')
    expect(first24).toBe('aaabbabbbaaabbabaababbba')
    expect(bucketOf('checkout', 'user-1')).toBe(0.11635964086758593)
    expect(bucketOf('banner', 'user-1')).not.toBe(bucketOf('checkout', 'user-1'))
  })

  it('does not mix up experiment and user that concatenate alike ("ab"+"c" vs "a"+"bc")', () => {
    expect(bucketOf('ab', 'c')).not.toBe(bucketOf('a', 'bc'))
  })

  it('does not depend on how the weights are scaled (90/10 = 9/1 = 0.9/0.1)', () => {
    const a = place('scale', v({ control: 90, canary: 10 }))
    expect(place('scale', v({ control: 9, canary: 1 }))).toEqual(a)
    expect(place('scale', v({ control: 0.9, canary: 0.1 }))).toEqual(a)
  })
})

describe('variantAt: cumulative weights', () => {
  const abc = v({ a: 2, b: 1, c: 1 })
  it.each<[number, string]>([
    [0, 'a'],
    [0.4999, 'a'],
    [0.5, 'b'],
    [0.7499, 'b'],
    [0.75, 'c'],
    [0.999999, 'c'],
  ])('position %d → %s', (position, expected) => {
    expect(variantAt(abc, position)).toBe(expected)
  })

  it('skips variants with weight 0 and answers undefined when every weight is 0', () => {
    expect(variantAt(v({ off: 0, on: 1 }), 0)).toBe('on')
    expect(variantAt(v({ on: 1, off: 0 }), 0.9999)).toBe('on')
    expect(variantAt(v({ a: 0, b: 0 }), 0.5)).toBeUndefined()
    expect(variantAt([], 0.5)).toBeUndefined()
  })

  it('gives the last live variant a position rounding leaves past the final edge', () => {
    // Seven sevenths sum to 0.9999999999999998 in floating point, below the largest position.
    const sevenths = v({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, off: 0 })
    expect(variantAt(sevenths, 1 - 2 ** -53)).toBe('g')
  })
})

describe('ramping a canary from 5% to 10%', () => {
  const before = v({ control: 95, canary: 5 })
  const after = v({ control: 90, canary: 10 })

  it('moves nobody who is already assigned: a remembered assignment stays while its variant is live', () => {
    const placed = place('ramp', before)
    for (const [u, was] of placed) {
      expect(assign({ experiment: 'ramp', variants: after, subject: u, stored: was, override: undefined })).toEqual({ variant: was, source: 'stored' })
    }
  })

  it('puts new users into the canary at the new share', () => {
    expectSplit(place('ramp-new', after), { control: 90, canary: 10 })
  })

  it.each<[string, WeightedVariant[], WeightedVariant[]]>([
    ['listed last', before, after],
    ['listed first', v({ canary: 5, control: 95 }), v({ canary: 10, control: 90 })],
  ])('even without a remembered assignment keeps every canary user in the canary (canary %s); only users between the old and new edge move in', (_where, from, to) => {
    const old = place('ramp-stateless', from)
    const now = place('ramp-stateless', to)
    const moved = USERS.filter((u) => old.get(u) !== now.get(u))
    for (const u of USERS) if (old.get(u) === 'canary') expect(now.get(u), u).toBe('canary')
    for (const u of moved) {
      expect(old.get(u)).toBe('control')
      expect(now.get(u)).toBe('canary')
      const b = bucketOf('ramp-stateless', u)
      if (from[0]?.name === 'canary') expect(b >= 0.05 && b < 0.1).toBe(true)
      else expect(b >= 0.9 && b < 0.95).toBe(true)
    }
    // About 5% of all users: the width of the band between the edges.
    expect(Math.abs((100 * moved.length) / USERS.length - 5)).toBeLessThanOrEqual(TOLERANCE_POINTS)
  })

  it('takes users back out only through the band when ramped down, and only when not remembered', () => {
    const old = place('ramp-down', after)
    const now = place('ramp-down', before)
    for (const u of USERS) if (old.get(u) === 'control') expect(now.get(u)).toBe('control')
    // Remembered canary users stay in the canary while it is live.
    for (const u of USERS.filter((x) => old.get(x) === 'canary')) {
      expect(assign({ experiment: 'ramp-down', variants: before, subject: u, stored: 'canary', override: undefined })?.variant).toBe('canary')
    }
  })
})

describe('ending an experiment or removing a variant', () => {
  const three = v({ a: 50, b: 25, c: 25 })
  const placed = place('end', three)

  it.each<[string, WeightedVariant[]]>([
    ['is removed', v({ a: 50, c: 25 })],
    ['gets weight 0', v({ a: 50, b: 0, c: 25 })],
  ])('reassigns only the users of a variant that %s, by the remaining weights', (_how, now) => {
    const next = new Map<string, string>()
    for (const [u, was] of placed) {
      const r = assign({ experiment: 'end', variants: now, subject: u, stored: was, override: undefined })
      expect(r).toBeDefined()
      next.set(u, r?.variant as string)
      if (was !== 'b') expect(r).toEqual({ variant: was, source: 'stored' })
      else expect(r?.source).toBe('new')
    }
    const movedFromB = new Map([...next].filter(([u]) => placed.get(u) === 'b'))
    expect(new Set(movedFromB.values())).toEqual(new Set(['a', 'c']))
    // b's users spread over a and c as 50:25 (2/3, 1/3), within 1.5 points (about 5,000 users).
    const split = shares(movedFromB)
    expect(Math.abs((split.a as number) - 200 / 3)).toBeLessThanOrEqual(1.5)
  })

  it('reassigns the users of a removed first variant without moving anyone else', () => {
    const now = v({ b: 25, c: 25 })
    for (const [u, was] of placed) {
      const r = assign({ experiment: 'end', variants: now, subject: u, stored: was, override: undefined })
      if (was === 'a') expect(['b', 'c']).toContain(r?.variant)
      else expect(r?.variant).toBe(was)
    }
  })

  it('sends everyone to the winner when the others go to weight 0, winners first unchanged', () => {
    const now = v({ a: 0, b: 1, c: 0 })
    for (const [u, was] of placed) {
      expect(assign({ experiment: 'end', variants: now, subject: u, stored: was, override: undefined })).toEqual({ variant: 'b', source: was === 'b' ? 'stored' : 'new' })
    }
  })

  it('assigns nobody when every weight is 0', () => {
    expect(assign({ experiment: 'end', variants: v({ a: 0, b: 0 }), subject: 'u', stored: 'a', override: undefined })).toBeUndefined()
  })
})

describe('precedence: override, then remembered, then hash', () => {
  const variants = v({ a: 50, b: 50, dark: 0 })
  const subject = USERS.find((u) => variantAt(variants, bucketOf('prec', u)) === 'a') as string
  const run = (stored: string | undefined, override: string | undefined) => assign({ experiment: 'prec', variants, subject, stored, override })

  it.each<[string, string | undefined, string | undefined, { variant: string; source: string }]>([
    ['nothing: the hash places', undefined, undefined, { variant: 'a', source: 'new' }],
    ['a remembered variant beats the hash', 'b', undefined, { variant: 'b', source: 'stored' }],
    ['an override beats the remembered variant', 'b', 'a', { variant: 'a', source: 'override' }],
    ['an override beats the hash', undefined, 'b', { variant: 'b', source: 'override' }],
    ['an override of an unknown variant is ignored', 'b', 'nope', { variant: 'b', source: 'stored' }],
    ['a remembered variant no longer configured is ignored', 'gone', undefined, { variant: 'a', source: 'new' }],
    ['a remembered variant at weight 0 is ignored', 'dark', undefined, { variant: 'a', source: 'new' }],
    // QA previews a variant before it takes users: an override is not an assignment.
    ['an override may pick a variant at weight 0', 'b', 'dark', { variant: 'dark', source: 'override' }],
  ])('%s', (_what, stored, override, expected) => {
    expect(run(stored, override)).toEqual(expected)
  })
})

describe('overrideFor: "experiment=variant" in a header, "experiment:variant" in the query', () => {
  it.each<[string, string | null, string | null, string | undefined]>([
    ['a header with one pair', 'checkout=v2', null, 'v2'],
    ['a header with several pairs and spaces', 'banner=b ,  checkout = v2', null, 'v2'],
    ['the query form', null, 'checkout:v2', 'v2'],
    ['the query with several pairs', null, 'banner:b,checkout:v3', 'v3'],
    ['the header before the query', 'checkout=v2', 'checkout:v3', 'v2'],
    ['the query when the header names other experiments', 'banner=b', 'checkout:v3', 'v3'],
    ['another experiment only', 'banner=b', 'banner:c', undefined],
    ['nothing', null, null, undefined],
    ['empty values', '', '', undefined],
    ['an experiment without a variant', 'checkout', 'checkout:', undefined],
    ['an experiment name differing in case', 'Checkout=v2', null, undefined],
    ['an experiment whose name starts alike', 'checkout-old=v2', null, undefined],
  ])('%s → %s', (_what, header, query, expected) => {
    expect(overrideFor('checkout', header, query)).toBe(expected)
  })
})
