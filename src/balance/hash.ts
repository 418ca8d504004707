// Hashes for balancing: fast, well mixed, the same in every isolate and colo (so a key maps to the
// same upstream everywhere). Not for security.

/** MurmurHash3 x86 32-bit of a string's UTF-16 code units, with a seed. */
export function murmur3(text: string, seed = 0): number {
  let h = seed >>> 0
  const len = text.length
  let i = 0
  for (; i + 1 < len; i += 2) {
    let k = (text.charCodeAt(i) & 0xffff) | ((text.charCodeAt(i + 1) & 0xffff) << 16)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  if (i < len) {
    let k = text.charCodeAt(i) & 0xffff
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
  }
  h ^= len
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A uniform number in (0, 1) from a string, with 53 bits of two independent hashes. */
export function unitHash(text: string): number {
  const hi = murmur3(text, 0x9747b28c) >>> 5 // 27 bits
  const lo = murmur3(text, 0x5bd1e995) >>> 6 // 26 bits
  return (hi * 67108864 + lo + 0.5) / 9007199254740992
}
