// HMAC-SHA-256 signatures for values Portico hands to clients and must recognise unchanged
// (sticky-upstream and experiment cookies), truncated to 128 bits and base64url-encoded. Keys are
// imported once per isolate and secret.

const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

export const b64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
export const fromB64url = (text: string): Uint8Array => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))

/** The 128-bit signature of `message`, base64url (22 characters). */
export async function sign(secret: string, message: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(message))
  return b64url(new Uint8Array(mac).slice(0, 16))
}

/** Whether `signature` is `message`'s, compared in constant time. */
export async function verify(secret: string, message: string, signature: string): Promise<boolean> {
  let given: Uint8Array
  try {
    given = fromB64url(signature)
  } catch {
    return false
  }
  const expected = fromB64url(await sign(secret, message))
  return given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected)
}

/** Re-exported for callers that read a signed cookie. */
export { cookieValue } from './cookie.ts'
