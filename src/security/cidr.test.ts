import { describe, expect, it } from 'vitest'
import { compileCidrSet, parseCidr, parseIp } from './cidr.ts'

const set = (...list: string[]) => {
  const { set, errors } = compileCidrSet(list)
  expect(errors).toEqual([])
  return set
}

describe('CIDR sets', () => {
  it('matches IPv4 ranges at their edges', () => {
    const s = set('203.0.113.0/24', '198.51.100.7')
    expect(s.has('203.0.113.0')).toBe(true)
    expect(s.has('203.0.113.255')).toBe(true)
    expect(s.has('203.0.112.255')).toBe(false)
    expect(s.has('203.0.114.0')).toBe(false)
    expect(s.has('198.51.100.7')).toBe(true)
    expect(s.has('198.51.100.8')).toBe(false)
  })

  it('matches IPv6 ranges, whatever the spelling of the address', () => {
    const s = set('2001:db8::/32', '2001:db8:ffff:1::/64')
    expect(s.has('2001:db8::1')).toBe(true)
    expect(s.has('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe(true)
    expect(s.has('2001:db9::1')).toBe(false)
    expect(set('2001:db8:ffff:1::/64').has('2001:db8:ffff:1:abcd::1')).toBe(true)
    expect(set('2001:db8:ffff:1::/64').has('2001:db8:ffff:2::1')).toBe(false)
  })

  it('matches an IPv4 rule for a client seen as an IPv4-mapped IPv6 address', () => {
    const s = set('10.0.0.0/8')
    expect(s.has('::ffff:10.1.2.3')).toBe(true)
    expect(s.has('::ffff:a01:203')).toBe(true)
    expect(s.has('::ffff:11.1.2.3')).toBe(false)
  })

  it('matches an IPv4-mapped IPv6 rule for a plain IPv4 client', () => {
    expect(set('::ffff:192.0.2.0/120').has('192.0.2.77')).toBe(true)
    expect(set('::ffff:192.0.2.1').has('192.0.2.1')).toBe(true)
  })

  it('does not treat an IPv4-compatible or NAT64 address as the IPv4 one', () => {
    const s = set('192.0.2.1')
    expect(s.has('::192.0.2.1')).toBe(false)
    expect(s.has('64:ff9b::192.0.2.1')).toBe(false)
  })

  it('puts an unknown or malformed client address in no set', () => {
    const s = set('0.0.0.0/0', '::/0')
    expect(s.has(undefined)).toBe(false)
    expect(s.has('not-an-ip')).toBe(false)
    expect(s.has('010.0.0.1')).toBe(false)
    expect(s.has('1.2.3.4')).toBe(true)
    expect(s.has('[2001:db8::1]')).toBe(true)
  })

  it('reports bad entries with their index and a fix', () => {
    const { errors } = compileCidrSet(['10.0.0.0/8', '10.0.0.1/8', '300.1.1.1', '10.0.0.0/33', '2001:db8::/129', 'fe80::/x'])
    expect(errors.map((e) => e.index)).toEqual([1, 2, 3, 4, 5])
    expect(errors[0]?.message).toContain('did you mean "10.0.0.0/8"')
  })
})

describe('parsing', () => {
  it('holds IPv4 as IPv4-mapped IPv6', () => {
    expect(parseIp('1.2.3.4')).toBe(parseIp('::ffff:1.2.3.4'))
    expect(parseCidr('0.0.0.0/0').ok).toBe(true)
  })
})
