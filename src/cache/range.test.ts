import { describe, expect, it } from 'vitest'
import { planRange, type RangePlan } from './range.ts'

const partial = (start: number, end: number): RangePlan => ({ kind: 'partial', start, end })
const FULL: RangePlan = { kind: 'full' }
const UNSATISFIABLE: RangePlan = { kind: 'unsatisfiable' }

describe('planRange (RFC 9110 section 14) for a stored body of 10 bytes', () => {
  it.each<[string | null, RangePlan]>([
    [null, FULL],
    ['bytes=0-4', partial(0, 4)],
    ['bytes=0-0', partial(0, 0)],
    ['bytes=9-9', partial(9, 9)],
    ['bytes=5-', partial(5, 9)],
    // A last position past the end is cut to the end.
    ['bytes=0-100', partial(0, 9)],
    // Suffix ranges: the last n bytes, or the whole body when n exceeds it.
    ['bytes=-3', partial(7, 9)],
    ['bytes=-10', partial(0, 9)],
    ['bytes=-20', partial(0, 9)],
    // Whitespace and the unit's case are tolerated.
    ['Bytes = 2 - 3', partial(2, 3)],
    // Unsatisfiable: 416.
    ['bytes=10-', UNSATISFIABLE],
    ['bytes=10-20', UNSATISFIABLE],
    ['bytes=-0', UNSATISFIABLE],
    // Invalid or not served here: the Range is ignored and the whole body sent (a 200).
    ['bytes=5-2', FULL],
    ['bytes=-', FULL],
    ['bytes=abc', FULL],
    ['bytes=0-1,3-4', FULL],
    ['bytes=0-1, 5-', FULL],
    ['items=0-4', FULL],
    ['0-4', FULL],
    ['', FULL],
  ])('%j → %j', (range, expected) => {
    expect(planRange(range, 10)).toEqual(expected)
  })

  it('has nothing to give from an empty body', () => {
    expect(planRange('bytes=0-', 0)).toEqual(UNSATISFIABLE)
    expect(planRange('bytes=-5', 0)).toEqual(UNSATISFIABLE)
    expect(planRange(null, 0)).toEqual(FULL)
  })
})
