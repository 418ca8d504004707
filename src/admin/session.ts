// The status page's browser session. A browser cannot send Authorization on a plain navigation, so
// the page's sign-in form POSTs the admin token once and gets a signed, HttpOnly cookie scoped to
// /_portico (never sent to an origin) that expires after SESSION_TTL_SECONDS. The cookie holds
// its expiry and an HMAC of it keyed by ADMIN_TOKEN: rotating the token signs every browser out.
// It is accepted for reading only (GET, HEAD); changes such as purges still need the bearer token.
import { cookieValue } from '../http/cookie.ts'
import { sign, verify } from '../http/hmac.ts'

export const SESSION_COOKIE = 'portico_admin'
export const SESSION_TTL_SECONDS = 8 * 3600
const PURPOSE = 'portico-admin-session:'

/** The Set-Cookie value that signs a browser in until now + SESSION_TTL_SECONDS. */
export async function sessionCookie(token: string, nowMs: number, path: string, secure: boolean): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS
  const value = `${expires}.${await sign(token, PURPOSE + expires)}`
  return `${SESSION_COOKIE}=${value}; Path=${path}; Max-Age=${SESSION_TTL_SECONDS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/** The Set-Cookie value that signs a browser out. */
export function endedSessionCookie(path: string, secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/** Whether the request's Cookie header holds an unexpired session signed with this token. */
export async function hasSession(cookieHeader: string | null, token: string | undefined, nowMs: number): Promise<boolean> {
  if (!token) return false
  const value = cookieValue(cookieHeader, SESSION_COOKIE)
  const m = value === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{1,64})$/.exec(value)
  if (!m) return false
  const expires = Number(m[1])
  if (expires * 1000 <= nowMs || expires * 1000 > nowMs + SESSION_TTL_SECONDS * 1000 + 60_000) return false
  return verify(token, PURPOSE + expires, m[2] as string)
}
