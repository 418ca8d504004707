// Fast mode: each isolate reserves a small lease of tokens from the key's object and spends it
// locally, so most requests never wait on the object. A lease is topped up in the background
// when half spent, and its remainder given back when it expires. Tokens are reserved before they
// are spent, so the limit is never exceeded; the price is that tokens another isolate holds are
// unavailable here until its lease expires (README "Rate limiting" states the bound).
import type { Limit, Verdict } from './bucket.ts'

export interface CounterStub {
  take(limit: Limit, want: number, partial: boolean): Promise<Verdict>
  giveBack(limit: Limit, tokens: number): Promise<void>
}

interface Lease {
  tokens: number
  expiresAt: number
  topping: boolean
  last: Verdict
}

/** How long an isolate may hold reserved tokens before giving them back. */
export const LEASE_TTL_MS = 1_000
/** Leases kept per isolate; the least recently created go first. */
const MAX_LEASES = 10_000

export function leaseSize(limit: Limit): number {
  return Math.max(1, Math.min(100, Math.floor(limit.burst / 20)))
}

export class LeaseBook {
  readonly #leases = new Map<string, Lease>()
  /** A lease being reserved: concurrent requests of one key wait for it rather than each reserving their own. */
  readonly #reserving = new Map<string, Promise<Verdict>>()

  /** Spend one token of this key's lease, reserving a new lease (waiting on the object) when there is none. */
  async take(name: string, limit: Limit, stub: () => CounterStub, now: number, background: (p: Promise<unknown>) => void): Promise<Verdict> {
    for (let round = 0; ; round++) {
      let lease = this.#leases.get(name)
      if (lease && lease.expiresAt <= now) {
        if (lease.tokens > 0) background(stub().giveBack(limit, lease.tokens))
        this.#leases.delete(name)
        lease = undefined
      }
      if (lease && lease.tokens > 0) return this.#spend(name, lease, limit, stub, background)
      // No tokens here: reserve a lease (or join the reservation already under way), then spend from it.
      let reserving = this.#reserving.get(name)
      if (!reserving) {
        reserving = this.#reserve(name, limit, stub, now)
        this.#reserving.set(name, reserving)
      }
      const verdict = await reserving
      if (verdict.granted === 0 || round > 0) {
        const l = this.#leases.get(name)
        if (l && l.tokens > 0) return this.#spend(name, l, limit, stub, background)
        return { ...verdict, granted: 0, retryAfterSeconds: Math.max(1, verdict.retryAfterSeconds) }
      }
    }
  }

  async #reserve(name: string, limit: Limit, stub: () => CounterStub, now: number): Promise<Verdict> {
    try {
      const verdict = await stub().take(limit, leaseSize(limit), true)
      if (verdict.granted > 0) {
        if (this.#leases.size >= MAX_LEASES) this.#leases.delete(this.#leases.keys().next().value as string)
        const held = this.#leases.get(name)
        if (held) {
          held.tokens += verdict.granted
          held.last = verdict
        } else this.#leases.set(name, { tokens: verdict.granted, expiresAt: now + LEASE_TTL_MS, topping: false, last: verdict })
      }
      return verdict
    } finally {
      this.#reserving.delete(name)
    }
  }

  #spend(name: string, lease: Lease, limit: Limit, stub: () => CounterStub, background: (p: Promise<unknown>) => void): Verdict {
    lease.tokens--
    const size = leaseSize(limit)
    if (!lease.topping && lease.tokens < size / 2) {
      // Top up before it runs out, so the next requests do not wait on the object.
      lease.topping = true
      background(
        stub()
          .take(limit, size, true)
          .then((v) => {
            const current = this.#leases.get(name)
            if (current === lease) {
              lease.tokens += v.granted
              lease.last = v
            } else if (v.granted > 0) return stub().giveBack(limit, v.granted)
          })
          .finally(() => {
            lease.topping = false
          }),
      )
    }
    return { ...lease.last, granted: 1, remaining: lease.last.remaining + lease.tokens, retryAfterSeconds: 0 }
  }
}
