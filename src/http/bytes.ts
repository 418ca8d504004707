// Byte chunks joined into one array (a kept request body, a cached body read whole), and bytes as hex.

/** `chunks` in order as one array of `size` bytes; a single chunk is returned as it is, not copied. */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex of bytes[from, to). */
export function hex(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let out = ''
  for (let i = from; i < to; i++) out += HEX[bytes[i] as number]
  return out
}
