// SHA-256 as lower-case hex: names for things that must not carry the value they are made from
// (rate-limit counters, stored experiment assignments, cache entries).

const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The SHA-256 of `text` as hex, its first `bytes` bytes (32: the whole digest). */
export async function sha256Hex(text: string, bytes = 32): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  let out = ''
  for (let i = 0; i < bytes; i++) out += HEX[digest[i] as number]
  return out
}
