// IP address sets from CIDR lists (IPv4 and IPv6), built once per config. Every address is held
// as a 128-bit IPv6 number, IPv4 as IPv4-mapped (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2), so
// "10.0.0.0/8" also matches a client seen as ::ffff:10.1.2.3 and one list serves both families.
// Parsing is Hono's (hono/utils/ipaddr: strict, no leading zeros, zone ids only link-local). Pure.
import { convertIPv4ToBinary, convertIPv6ToBinary, distinctRemoteAddr } from 'hono/utils/ipaddr'

interface Range {
  base: bigint
  mask: bigint
}

const MAPPED_PREFIX = 0xffffn << 32n
const ALL_ONES = (1n << 128n) - 1n

/** The address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96), or undefined when invalid. */
export function parseIp(text: string): bigint | undefined {
  const s = text.trim().replace(/^\[(.*)\]$/, '$1')
  try {
    const family = distinctRemoteAddr(s)
    if (family === 'IPv4') return MAPPED_PREFIX | convertIPv4ToBinary(s)
    if (family === 'IPv6') return convertIPv6ToBinary(s)
  } catch {
    // invalid: fall through
  }
  return undefined
}

/** "10.0.0.0/8", "2001:db8::/32" or a single address; an error message when it is not one. */
export function parseCidr(text: string): { ok: true; range: Range } | { ok: false; message: string } {
  const [addr = '', bits, ...rest] = text.trim().split('/')
  const ip = parseIp(addr)
  if (ip === undefined || rest.length > 0) return { ok: false, message: `'${text}' is not an IP address or CIDR range such as "203.0.113.0/24" or "2001:db8::/32"` }
  const v4 = distinctRemoteAddr(addr) === 'IPv4'
  const max = v4 ? 32 : 128
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return { ok: false, message: `'${text}': the prefix length must be a number 0-${max}` }
  const len = bits === undefined ? max : Number(bits)
  if (len > max) return { ok: false, message: `'${text}': the prefix length must be at most ${max}` }
  const prefix = v4 ? len + 96 : len
  const mask = (ALL_ONES << BigInt(128 - prefix)) & ALL_ONES
  if ((ip & mask) !== ip) return { ok: false, message: `'${text}' has bits set after the prefix; did you mean "${formatBase(ip & mask, v4)}/${len}"?` }
  return { ok: true, range: { base: ip, mask } }
}

function formatBase(ip: bigint, v4: boolean): string {
  if (v4) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join('.')
  const groups: string[] = []
  for (let i = 7; i >= 0; i--) groups.push(((ip >> BigInt(i * 16)) & 0xffffn).toString(16))
  return groups.join(':')
}

/** A set of ranges; `has` answers in time linear in the number of ranges. */
export class CidrSet {
  readonly #ranges: readonly Range[]

  constructor(ranges: readonly Range[]) {
    this.#ranges = ranges
  }

  get size(): number {
    return this.#ranges.length
  }

  /** False for an address that does not parse (an unknown client is in no set). */
  has(ip: string | undefined): boolean {
    if (ip === undefined) return false
    const n = parseIp(ip)
    if (n === undefined) return false
    return this.#ranges.some((r) => (n & r.mask) === r.base)
  }
}

/** Build a set, or the errors with the index of each bad entry. */
export function compileCidrSet(list: readonly string[]): { set: CidrSet; errors: Array<{ index: number; message: string }> } {
  const ranges: Range[] = []
  const errors: Array<{ index: number; message: string }> = []
  list.forEach((text, index) => {
    const parsed = parseCidr(text)
    if (parsed.ok) ranges.push(parsed.range)
    else errors.push({ index, message: parsed.message })
  })
  return { set: new CidrSet(ranges), errors }
}
