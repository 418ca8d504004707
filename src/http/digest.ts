// SHA-256 of a string: as bytes, to compare secrets in constant time (secret.ts, credentials), and
// as hex for names that must not carry the value they are made from (rate-limit counters, stored
// experiment assignments, cache entries).
import { hex } from './bytes.ts'

const encoder = new TextEncoder()

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

/** The SHA-256 of `text` as hex, its first `bytes` bytes (32: the whole digest). */
export async function sha256Hex(text: string, bytes = 32): Promise<string> {
  return hex(await sha256(text), 0, bytes)
}
