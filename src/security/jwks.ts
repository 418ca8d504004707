// How long a fetched JWKS is kept, and when it may be fetched again. The issuer's Cache-Control
// decides within bounds: at least a minute (a JWKS fetched on every request would slow every
// request and hammer the issuer, whatever it says), at most a day (a rotated-out key stops being
// trusted within a day even if the issuer says a year). A token naming an unknown key id triggers
// one early refetch per cooldown, so a key rotation is picked up at once but a stream of forged key
// ids cannot make Portico fetch on every request. Pure.

export const JWKS_MIN_TTL_SECONDS = 60
export const JWKS_MAX_TTL_SECONDS = 86_400
/** Without max-age (or with no-cache / no-store, which we may not honour literally). */
export const JWKS_DEFAULT_TTL_SECONDS = 600
/** At most one early refetch for an unknown key id in this time. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000
/** An expired JWKS still serves this long while the issuer cannot be reached. */
export const JWKS_MAX_STALE_MS = 24 * 3600 * 1000

/** Lifetime in seconds from the JWKS response's Cache-Control, clamped to the bounds above. */
export function jwksTtlSeconds(cacheControl: string | null): number {
  const cc = (cacheControl ?? '').toLowerCase()
  const maxAge = /(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*"?(\d+)"?/.exec(cc)
  if (/(?:^|[,\s])(?:no-store|no-cache)(?:$|[,\s=])/.test(cc) || !maxAge) {
    return /no-store|no-cache/.test(cc) ? JWKS_MIN_TTL_SECONDS : JWKS_DEFAULT_TTL_SECONDS
  }
  return Math.min(JWKS_MAX_TTL_SECONDS, Math.max(JWKS_MIN_TTL_SECONDS, Number(maxAge[1])))
}

export interface HeldKeys {
  fetchedAtMs: number
  expiresAtMs: number
}

/** After a failed fetch, the next try waits this long (an issuer outage is not hammered). */
export const JWKS_RETRY_AFTER_FAILURE_MS = 5_000

export interface FetchHistory {
  /** When the last fetch started, successful or not. */
  lastAttemptMs?: number
  /** When the last fetch for an unknown key id started. */
  lastUnknownKeyFetchMs?: number
}

/**
 * Whether to fetch the JWKS now: none held or the held copy expired (at most one try per
 * JWKS_RETRY_AFTER_FAILURE_MS), or a token named an unknown key id (at most one such fetch per
 * cooldown, so the first token signed with a new key is checked against the new JWKS at once).
 */
export function shouldRefetch(held: HeldKeys | undefined, history: FetchHistory, nowMs: number, unknownKeyId: boolean): boolean {
  const since = (t: number | undefined) => (t === undefined ? Number.POSITIVE_INFINITY : nowMs - t)
  if (!held || nowMs >= held.expiresAtMs) return since(history.lastAttemptMs) >= JWKS_RETRY_AFTER_FAILURE_MS
  return unknownKeyId && since(history.lastUnknownKeyFetchMs) >= JWKS_REFETCH_COOLDOWN_MS
}

/** Whether held keys may still be used after a failed refetch. */
export function mayServeStale(held: HeldKeys, nowMs: number): boolean {
  return nowMs - held.expiresAtMs < JWKS_MAX_STALE_MS
}
