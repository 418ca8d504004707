// Comparing a presented secret (admin token, debug header, API key, password) with the configured
// one. Both sides are hashed first so the comparison takes the same time whatever their lengths,
// and crypto.subtle.timingSafeEqual compares the digests.
import { sha256 } from './digest.ts'

/** Equal digests, compared without an early exit. */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b)
}

export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  if (expected === '') return false
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)])
  return digestsEqual(a, b)
}
