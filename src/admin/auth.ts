// Bearer-token check for the admin API, compared in constant time (src/http/secret.ts).
import { sameSecret } from '../http/secret.ts'

export async function isAdmin(authorization: string | null, token: string | undefined): Promise<boolean> {
  if (!token || !authorization) return false
  const m = /^Bearer\s+(.+)$/i.exec(authorization.trim())
  if (!m) return false
  return sameSecret(m[1] as string, token)
}
