// Comparing a presented secret (admin token, debug header) with the configured one. Both sides are
// hashed first so the comparison takes the same time whatever their lengths, and
// crypto.subtle.timingSafeEqual compares the digests.
export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  if (expected === '') return false
  const enc = new TextEncoder()
  const [a, b] = await Promise.all([crypto.subtle.digest('SHA-256', enc.encode(presented)), crypto.subtle.digest('SHA-256', enc.encode(expected))])
  return crypto.subtle.timingSafeEqual(a, b)
}
