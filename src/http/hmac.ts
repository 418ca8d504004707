// HMAC-SHA-256: signatures for values Portico hands to clients and must recognise unchanged
// (sticky-upstream and experiment cookies, the admin session), truncated to 128 bits and
// base64url-encoded; and the whole MAC for the origin signature. Keys are imported once per
// isolate and secret.

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

export const b64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
export const fromB64url = (text: string): Uint8Array => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))

/** The full HMAC-SHA-256 of `message` (32 bytes). */
export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(message)))
}

/** The 128-bit signature of `message`, base64url (22 characters). */
export async function sign(secret: string, message: string): Promise<string> {
  return b64url((await hmacSha256(secret, message)).slice(0, 16))
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
