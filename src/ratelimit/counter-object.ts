// One Durable Object per rate-limit rule and key (named "rl:<rule>:<hash of key>"), so load spreads
// over as many objects as there are clients and no single object is a bottleneck. It holds the
// bucket state and applies the pure algorithms in bucket.ts; every request of exact mode, and every
// lease of fast mode, is one call here.
import { DurableObject } from 'cloudflare:workers'
import { giveBack, take, type BucketState, type Limit, type Verdict } from './bucket.ts'

const PERSIST_FROM_MS = 60_000

export class RateLimitCounter extends DurableObject<Record<string, unknown>> {
  #state: BucketState | undefined

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      this.#state = await ctx.storage.get<BucketState>('state')
    })
  }

  /** Take `want` tokens (all or nothing, or as many as there are with `partial`). */
  async take(limit: Limit, want: number, partial: boolean): Promise<Verdict> {
    const [next, verdict] = take(limit, this.#state, want, Date.now(), partial)
    this.#state = next
    this.#persist(limit)
    return verdict
  }

  /** Return a lease's unspent tokens. */
  async giveBack(limit: Limit, tokens: number): Promise<void> {
    this.#state = giveBack(limit, this.#state, tokens, Date.now())
    this.#persist(limit)
  }

  /**
   * A limit of a minute or more is also written to storage, so it survives the object being evicted
   * while idle; a shorter one would have refilled by then, and memory alone is about ten times
   * faster (README "Rate limiting"). Unconfirmed: the reply does not wait for the disk.
   */
  #persist(limit: Limit): void {
    if (limit.periodMs >= PERSIST_FROM_MS && this.#state) void this.ctx.storage.put('state', this.#state, { allowUnconfirmed: true })
  }
}
