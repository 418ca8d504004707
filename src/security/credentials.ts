// API keys and HTTP Basic credentials (RFC 7617) checked against secrets. Every comparison hashes
// both sides (SHA-256) and compares the digests in constant time, so neither the length nor the
// first differing byte of a secret shows in the response time; every configured key or user is
// compared, so which one matched does not show either. A configured secret's digest is computed
// once per isolate, the presented one per request. Pure (Web Crypto digests only).
import { sha256 } from '../http/digest.ts'
import { digestsEqual } from '../http/secret.ts'

/** Digests of configured names and secrets: the config's values only, so the map stays small. */
const configured = new Map<string, Promise<Uint8Array>>()

function configuredDigest(s: string): Promise<Uint8Array> {
  let d = configured.get(s)
  if (!d) {
    d = sha256(s)
    configured.set(s, d)
  }
  return d
}

/** The name of the key `presented` equals, or undefined; every key is compared. */
export async function matchApiKey(presented: string | null, keys: ReadonlyArray<readonly [name: string, secret: string]>): Promise<string | undefined> {
  if (presented === null || presented === '') return undefined
  const given = await sha256(presented)
  let found: string | undefined
  for (const [name, secret] of keys) {
    if (digestsEqual(given, await configuredDigest(secret)) && found === undefined) found = name
  }
  return found
}

export interface BasicCredentials {
  user: string
  password: string
}

/** RFC 7617 section 2: "Basic" token68 of base64(user-id ":" password), UTF-8. */
export function parseBasic(authorization: string | null): BasicCredentials | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(authorization ?? '')
  if (!m) return undefined
  let text: string
  try {
    const bin = atob(m[1] as string)
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
  const colon = text.indexOf(':')
  if (colon === -1) return undefined
  return { user: text.slice(0, colon), password: text.slice(colon + 1) }
}

/** The user whose name and password both match, or undefined; every user is compared. */
export async function matchBasic(creds: BasicCredentials | undefined, users: ReadonlyArray<readonly [user: string, password: string]>): Promise<string | undefined> {
  if (!creds) return undefined
  const [user, password] = await Promise.all([sha256(creds.user), sha256(creds.password)])
  let found: string | undefined
  for (const [name, secret] of users) {
    const [u, p] = await Promise.all([configuredDigest(name), configuredDigest(secret)])
    // Both compared every time: a right user with a wrong password takes as long as a wrong user.
    const userOk = digestsEqual(user, u)
    const passwordOk = digestsEqual(password, p)
    if (userOk && passwordOk && found === undefined) found = name
  }
  return found
}
