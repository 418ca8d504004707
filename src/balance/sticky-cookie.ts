// Sticky sessions through a signed cookie: `<upstream key>.<expiry>.<HMAC>` (base64url), so a
// client cannot pick its upstream by editing the cookie, and a cookie from another pool or past
// its expiry is ignored. Signed with src/http/hmac.ts and a key from a Worker secret.
import { b64url, fromB64url, sign, verify } from '../http/hmac.ts'

export interface StickyConfig {
  cookie: string
  ttlSeconds: number
  secret: string
}

const signed = (pool: string, upstreamKey: string, expires: number) => `${pool}\n${upstreamKey}\n${expires}`

/** The cookie value naming `upstreamKey` in `pool` until now + ttl. */
export async function stickyValue(pool: string, upstreamKey: string, cfg: StickyConfig, now: number): Promise<string> {
  const expires = Math.floor(now / 1000) + cfg.ttlSeconds
  const sig = await sign(cfg.secret, signed(pool, upstreamKey, expires))
  return `${b64url(new TextEncoder().encode(upstreamKey))}.${expires}.${sig}`
}

/** The Set-Cookie header for a new assignment. */
export async function stickySetCookie(pool: string, upstreamKey: string, cfg: StickyConfig, now: number, secure: boolean): Promise<string> {
  const value = await stickyValue(pool, upstreamKey, cfg, now)
  return `${cfg.cookie}=${value}; Path=/; Max-Age=${cfg.ttlSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}

/** The upstream key a valid, unexpired cookie names, or undefined. */
export async function readStickyCookie(header: string | null, pool: string, cfg: StickyConfig, now: number): Promise<string | undefined> {
  if (!header) return undefined
  let raw: string | undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === cfg.cookie) raw = part.slice(eq + 1).trim()
  }
  const m = raw && /^([A-Za-z0-9_-]+)\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(raw)
  if (!m) return undefined
  const expires = Number(m[2])
  if (expires * 1000 <= now) return undefined
  try {
    const upstreamKey = new TextDecoder().decode(fromB64url(m[1] as string))
    return (await verify(cfg.secret, signed(pool, upstreamKey, expires), m[3] as string)) ? upstreamKey : undefined
  } catch {
    return undefined
  }
}
