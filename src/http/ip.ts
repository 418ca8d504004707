// Client addresses as keys: an IPv4 address as it is, an IPv6 address by its network prefix (one
// host can rotate through a whole /64), an IPv4-mapped IPv6 address as the IPv4 client it is. Shared
// by rate-limit keys and ip-hash balancing. Pure.

/** An IPv4 address as is (also when IPv4-mapped in IPv6); an IPv6 address cut to its first `bits` bits. */
export function ipPrefix(ip: string, bits: number): string {
  if (!ip.includes(':')) return ip
  const groups = expandIpv6(ip)
  if (!groups) return ip.toLowerCase()
  // IPv4-mapped (::ffff:0:0/96, RFC 4291 section 2.5.5.2), however it is spelled, is one IPv4
  // client: cut to a /64 it would share the prefix ::/64 with every other one.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6)
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  }
  const out: string[] = []
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16))
    const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff
    out.push(((groups[i] as number) & mask).toString(16))
  }
  return `${out.join(':')}/${bits}`
}

/** The eight groups of an IPv6 address (RFC 4291 section 2.2, a trailing dotted quad included), or undefined. */
export function expandIpv6(ip: string): number[] | undefined {
  let text = ip.toLowerCase()
  const quad = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (quad) {
    const [a = 0, b = 0, c = 0, d = 0] = quad.slice(2).map(Number)
    if (Math.max(a, b, c, d) > 255) return undefined
    text = `${quad[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail, extra] = text.split('::')
  if (extra !== undefined) return undefined
  const split = (s: string) => (s === '' ? [] : s.split(':'))
  const h = split(head)
  const t = tail === undefined ? [] : split(tail)
  if (tail === undefined ? h.length !== 8 : h.length + t.length > 7) return undefined
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => Number.parseInt(g, 16)) : undefined
}
