import { describe, expect, it } from 'vitest'
import { acceptedCodings, parseAcceptEncoding } from './accept-encoding.ts'

describe('parseAcceptEncoding (RFC 9110 section 12.5.3)', () => {
  it.each<[string | null, Record<string, number>]>([
    [null, {}],
    ['', {}],
    ['gzip', { gzip: 1 }],
    ['gzip, deflate, br, zstd', { gzip: 1, deflate: 1, br: 1, zstd: 1 }],
    // q-values: 0 to 1 with up to three decimals; names are case-insensitive.
    ['GZIP;q=0.5, Br;Q=0.25', { gzip: 0.5, br: 0.25 }],
    ['br;q=1.0, gzip;q=0.001, deflate;q=0', { br: 1, gzip: 0.001, deflate: 0 }],
    ['gzip ; q = 0.8', { gzip: 0.8 }],
    // x-gzip is gzip (section 8.4.1.3); the better of the two q-values counts.
    ['x-gzip', { gzip: 1 }],
    ['x-gzip;q=0.3, gzip;q=0.7', { gzip: 0.7 }],
    ['gzip;q=0.7, x-gzip;q=0.3', { gzip: 0.7 }],
    ['*;q=0.1, identity;q=0', { '*': 0.1, identity: 0 }],
    // Empty members and unknown parameters are ignored.
    [' , gzip;level=9 ,, br', { gzip: 1, br: 1 }],
  ])('%j → %j', (value, expected) => {
    expect(Object.fromEntries(parseAcceptEncoding(value))).toEqual(expected)
  })
})

describe('acceptedCodings', () => {
  it.each<[string, string]>([
    ['gzip, deflate, br', 'br,deflate,gzip'],
    ['br;q=0.5, gzip', 'br,gzip'],
    ['gzip;q=0, br', 'br'],
    ['gzip; q=0.0, br', 'br'],
    ['gzip;q=0.001', 'gzip'],
    ['identity', 'identity'],
    ['*', '*'],
    ['gzip, gzip', 'gzip'],
    ['', ''],
    [' , ', ''],
    ['x-gzip, GZIP;q=0.2', 'gzip'],
  ])('%j → %j', (value, expected) => {
    expect(acceptedCodings(value)).toBe(expected)
  })
})
