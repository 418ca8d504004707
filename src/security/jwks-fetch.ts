// The JWKS of an issuer, fetched and held per isolate (each isolate, in each colo, fetches its
// own copy: there is no shared store, so a rotation reaches isolates as their copies expire or
// meet an unknown key id). Concurrent requests share one fetch. jose's createLocalJWKSet picks
// the key (kid, kty, alg) and keeps imported CryptoKeys, so a key is imported once per copy. The
// lifetime rules are in jwks.ts. jose's own createRemoteJWKSet is not used: it ignores the
// response's Cache-Control.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import { jwksTtlSeconds, mayServeStale, shouldRefetch, type FetchHistory, type HeldKeys } from './jwks.ts'

interface Entry extends HeldKeys {
  getKey: JWTVerifyGetKey
}

const FETCH_TIMEOUT_MS = 5_000
const held = new Map<string, Entry>()
const inFlight = new Map<string, Promise<Entry | undefined>>()
const history = new Map<string, FetchHistory>()

/**
 * The key lookup for this JWKS URL, or undefined when none can be had (never fetched, the issuer
 * unreachable and nothing fresh enough held). `unknownKeyId`: a token named a key not held.
 */
export async function jwksFor(url: string, nowMs: number, unknownKeyId = false): Promise<JWTVerifyGetKey | undefined> {
  const current = held.get(url)
  let pending = inFlight.get(url)
  const past = history.get(url) ?? {}
  if (!pending && !shouldRefetch(current, past, nowMs, unknownKeyId)) {
    return current && (nowMs < current.expiresAtMs || mayServeStale(current, nowMs)) ? current.getKey : undefined
  }
  if (!pending) {
    const early = current !== undefined && nowMs < current.expiresAtMs
    history.set(url, { lastAttemptMs: nowMs, lastUnknownKeyFetchMs: early ? nowMs : past.lastUnknownKeyFetchMs })
    pending = fetchKeys(url, nowMs).finally(() => inFlight.delete(url))
    inFlight.set(url, pending)
  }
  const fresh = await pending
  if (fresh) return fresh.getKey
  return current && mayServeStale(current, nowMs) ? current.getKey : undefined
}

async function fetchKeys(url: string, nowMs: number): Promise<Entry | undefined> {
  try {
    const res = await fetch(url, { headers: { accept: 'application/jwk-set+json, application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    if (!res.ok) {
      await res.body?.cancel()
      throw new Error(`status ${res.status}`)
    }
    const jwks = (await res.json()) as JSONWebKeySet
    if (!Array.isArray(jwks?.keys)) throw new Error('not a JWK Set: no "keys" array')
    const entry: Entry = { getKey: createLocalJWKSet(jwks), fetchedAtMs: nowMs, expiresAtMs: nowMs + jwksTtlSeconds(res.headers.get('cache-control')) * 1000 }
    held.set(url, entry)
    return entry
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', message: 'JWKS fetch failed', url, error: String(err) }))
    return undefined
  }
}
