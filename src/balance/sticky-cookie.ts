// Sticky sessions through a signed cookie: `<upstream key>.<expiry>.<HMAC>` (base64url), so a
// client cannot pick its upstream by editing the cookie, and a cookie from another pool or past
// its expiry is ignored. HMAC-SHA-256 with a key from a Worker secret, truncated to 128 bits.

export interface StickyConfig {
  cookie: string
  ttlSeconds: number
  secret: string
}

const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const fromB64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))

async function signature(pool: string, upstreamKey: string, expires: number, secret: string): Promise<Uint8Array> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(`${pool}\n${upstreamKey}\n${expires}`))
  return new Uint8Array(mac).slice(0, 16)
}

/** The cookie value naming `upstreamKey` in `pool` until now + ttl. */
export async function stickyValue(pool: string, upstreamKey: string, cfg: StickyConfig, now: number): Promise<string> {
  const expires = Math.floor(now / 1000) + cfg.ttlSeconds
  const sig = await signature(pool, upstreamKey, expires, cfg.secret)
  return `${b64url(new TextEncoder().encode(upstreamKey))}.${expires}.${b64url(sig)}`
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
    const given = fromB64url(m[3] as string)
    const expected = await signature(pool, upstreamKey, expires, cfg.secret)
    return given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected) ? upstreamKey : undefined
  } catch {
    return undefined
  }
}
