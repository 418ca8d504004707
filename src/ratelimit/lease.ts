// Fast mode: each isolate reserves a small lease of tokens from the key's object and spends it
// locally, so most requests never wait on the object. A lease is topped up in the background
// when half spent (back to its size, never past it), and its remainder given back when a request
// finds it expired (a request of any key gives back a few expired leases of other keys too). Tokens are reserved before they are spent, so from any state the counter gives
// out no more than it would in exact mode; but what K isolates hold (at most K × lease) may be
// spent after the counter has refilled, and tokens another isolate holds are unavailable here
// until its lease expires (README "Rate limiting" states both bounds; lease.test.ts tests them).
import type { Limit, Verdict } from './bucket.ts'

export interface CounterStub {
  take(limit: Limit, want: number, partial: boolean): Promise<Verdict>
  giveBack(limit: Limit, tokens: number): Promise<void>
}

interface Lease {
  tokens: number
  expiresAt: number
  last: Verdict
  /** Where its remainder goes back when it expires. */
  limit: Limit
  stub: () => CounterStub
}

/** Expired leases of other keys given back per take: bounded work on the request path. */
const SWEEP_PER_TAKE = 4

/** A request to the counter for tokens (a new lease or a top-up) on its way. */
interface Reservation {
  verdict: Promise<Verdict>
  startedAt: number
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
  /**
   * One reservation per key at a time: requests that find no tokens wait for it rather than each
   * reserving their own, and a lease never grows past its size.
   */
  readonly #reserving = new Map<string, Reservation>()
  /** Requests of a key waiting for tokens: a reservation asks for all of them, so a burst is not served one lease per round trip. */
  readonly #waiting = new Map<string, number>()

  /** Spend one token of this key's lease, reserving tokens (waiting on the object) when there are none. */
  async take(name: string, limit: Limit, stub: () => CounterStub, now: number, background: (p: Promise<unknown>) => void): Promise<Verdict> {
    this.#sweep(name, now, background)
    for (;;) {
      let lease = this.#leases.get(name)
      if (lease && lease.expiresAt <= now) {
        const unspent = lease.tokens
        if (unspent > 0) background(Promise.resolve().then(() => stub().giveBack(limit, unspent)))
        this.#leases.delete(name)
        lease = undefined
      }
      if (lease && lease.tokens > 0) return this.#spend(name, lease, limit, stub, now, background)
      // No tokens here. Other requests waiting on the same reservation may spend what it brings
      // first: ask again until the counter itself has nothing left.
      this.#waiting.set(name, (this.#waiting.get(name) ?? 0) + 1)
      let verdict: Verdict
      try {
        verdict = await this.#reservation(name, limit, stub, now)
      } finally {
        const still = (this.#waiting.get(name) ?? 1) - 1
        if (still > 0) this.#waiting.set(name, still)
        else this.#waiting.delete(name)
      }
      if (verdict.granted === 0) {
        const l = this.#leases.get(name)
        if (l && l.tokens > 0) return this.#spend(name, l, limit, stub, now, background)
        return { ...verdict, granted: 0, retryAfterSeconds: Math.max(1, verdict.retryAfterSeconds) }
      }
    }
  }

  /**
   * The reservation under way for this key, or a new one: for what the lease lacks of its size, or
   * for the requests waiting if they are more. Either way the lease holds no more than its size
   * once they have spent theirs.
   */
  #reservation(name: string, limit: Limit, stub: () => CounterStub, now: number): Promise<Verdict> {
    const under = this.#reserving.get(name)
    // One that has not come back within a lease's lifetime is given up on, so a lost reply does not hold the key.
    if (under && now - under.startedAt < LEASE_TTL_MS) return under.verdict
    const want = Math.max(leaseSize(limit) - Math.max(0, this.#leases.get(name)?.tokens ?? 0), this.#waiting.get(name) ?? 0)
    const reservation: Reservation = { verdict: this.#reserve(name, limit, stub, want, now), startedAt: now }
    this.#reserving.set(name, reservation)
    const forget = () => {
      if (this.#reserving.get(name) === reservation) this.#reserving.delete(name)
    }
    reservation.verdict.then(forget, forget)
    return reservation.verdict
  }

  async #reserve(name: string, limit: Limit, stub: () => CounterStub, want: number, now: number): Promise<Verdict> {
    const verdict = await stub().take(limit, want, true)
    if (verdict.granted > 0) {
      const held = this.#leases.get(name)
      if (held) {
        held.tokens += verdict.granted
        held.last = verdict
      } else {
        if (this.#leases.size >= MAX_LEASES) this.#leases.delete(this.#leases.keys().next().value as string)
        this.#leases.set(name, { tokens: verdict.granted, expiresAt: now + LEASE_TTL_MS, last: verdict, limit, stub })
      }
    }
    return verdict
  }

  /**
   * Give back the remainder of expired leases of other keys, the oldest first (leases are kept in
   * the order they were made, and all live as long), a few per call: tokens an isolate holds for a
   * key it no longer sees go back once it serves any fast-mode request, not only one of that key.
   */
  #sweep(except: string, now: number, background: (p: Promise<unknown>) => void): void {
    let budget = SWEEP_PER_TAKE
    for (const [name, lease] of this.#leases) {
      if (lease.expiresAt > now || budget-- === 0) return
      if (name === except) continue // its own request gives it back below
      this.#leases.delete(name)
      const unspent = lease.tokens
      if (unspent > 0) background(Promise.resolve().then(() => lease.stub().giveBack(lease.limit, unspent)))
    }
  }

  /**
   * Return one token spent from this key's lease (the request was refused by a later rule). It goes
   * back into the lease while the lease lives, else to the counter object.
   */
  refund(name: string, limit: Limit, stub: () => CounterStub, now: number, background: (p: Promise<unknown>) => void): void {
    const lease = this.#leases.get(name)
    if (lease && lease.expiresAt > now) lease.tokens++
    else background(Promise.resolve().then(() => stub().giveBack(limit, 1)))
  }

  #spend(name: string, lease: Lease, limit: Limit, stub: () => CounterStub, now: number, background: (p: Promise<unknown>) => void): Verdict {
    lease.tokens--
    // Top up before it runs out, so the next requests do not wait on the object.
    if (lease.tokens < leaseSize(limit) / 2 && !this.#reserving.has(name)) background(this.#reservation(name, limit, stub, now))
    return { ...lease.last, granted: 1, remaining: lease.last.remaining + lease.tokens, retryAfterSeconds: 0 }
  }
}
