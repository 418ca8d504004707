// Bearer-token check for the admin API. Both sides are hashed first so the comparison takes the
// same time whatever the token's length, and crypto.subtle.timingSafeEqual compares the digests.
export async function isAdmin(authorization: string | null, token: string | undefined): Promise<boolean> {
  if (!token || !authorization) return false
  const m = /^Bearer\s+(.+)$/i.exec(authorization.trim())
  if (!m) return false
  const enc = new TextEncoder()
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', enc.encode(m[1])),
    crypto.subtle.digest('SHA-256', enc.encode(token)),
  ])
  return crypto.subtle.timingSafeEqual(a, b)
}
