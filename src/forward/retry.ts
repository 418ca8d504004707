// When a failed attempt may be tried again: the failure kinds and statuses a route retries, only
// for idempotent methods unless the route opts in (RFC 9110 section 9.2.2), and within a retry
// budget so retries cannot multiply the load on a pool that is failing everywhere. Pure.
import type { RetryPolicy } from '../config/index.ts'

export type AttemptResult = { kind: 'response'; status: number } | { kind: 'connect-failure' } | { kind: 'timeout' }

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method)
}

/** How many retries this request may have at most. */
export function retriesAllowed(method: string, policy: RetryPolicy): number {
  return isIdempotent(method) || policy.nonIdempotent ? policy.attempts : 0
}

export function isRetryable(result: AttemptResult, policy: RetryPolicy): boolean {
  switch (result.kind) {
    case 'connect-failure':
      return policy.onConnectFailure
    case 'timeout':
      return policy.onTimeout
    case 'response':
      return policy.statuses.has(result.status)
  }
}

const WINDOW_MS = 10_000
const BUCKET_MS = 1_000
/** Retries always allowed per second, so a quiet isolate can still ride out one bad upstream. */
const MIN_RETRIES_PER_SECOND = 3

/** Retries may add at most `percent`% to the requests of the last ten seconds (plus a floor). */
export class RetryBudget {
  readonly #percent: number
  readonly #requests = new Array<number>(WINDOW_MS / BUCKET_MS).fill(0)
  readonly #retries = new Array<number>(WINDOW_MS / BUCKET_MS).fill(0)
  #bucketStart = 0

  constructor(percent: number) {
    this.#percent = percent
  }

  noteRequest(now: number): void {
    this.#advance(now)
    this.#requests[this.#slot(now)] = (this.#requests[this.#slot(now)] ?? 0) + 1
  }

  /** Spend one retry if the budget allows it. */
  tryRetry(now: number): boolean {
    this.#advance(now)
    const requests = this.#requests.reduce((a, b) => a + b, 0)
    const retries = this.#retries.reduce((a, b) => a + b, 0)
    const allowed = Math.max((requests * this.#percent) / 100, (MIN_RETRIES_PER_SECOND * WINDOW_MS) / 1000)
    if (retries >= allowed) return false
    this.#retries[this.#slot(now)] = (this.#retries[this.#slot(now)] ?? 0) + 1
    return true
  }

  #slot(now: number): number {
    return Math.floor(now / BUCKET_MS) % this.#requests.length
  }

  /** Zero the buckets that fell out of the window since the last call. */
  #advance(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS)
    const elapsed = Math.min(bucket - this.#bucketStart, this.#requests.length)
    for (let i = 1; i <= elapsed; i++) {
      const slot = (this.#bucketStart + i) % this.#requests.length
      this.#requests[slot] = 0
      this.#retries[slot] = 0
    }
    if (elapsed > 0 || this.#bucketStart === 0) this.#bucketStart = bucket
  }
}
