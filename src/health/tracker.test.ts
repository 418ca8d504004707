// The isolate's side of pool health. The pool's Durable Object is stood in for by MemoryHealth, a
// small in-memory object that folds reports with the same pure functions (state.ts, view.ts) the
// real one uses: here we need to control its clock, count its calls and make it unreachable, which
// the real object cannot do. The real UpstreamHealth is covered in test/integration/health.test.ts.
import { describe, expect, it } from 'vitest'
import { applyOutcomes, reconcile, type HealthPolicy, type OutcomeBatch, type PoolHealth } from './state.ts'
import { PoolHealthTracker, SNAPSHOT_TTL_MS, type HealthStub } from './tracker.ts'
import { viewOf, type HealthView, type PoolSpec } from './view.ts'

class MemoryHealth implements HealthStub {
  state: PoolHealth = {}
  calls: string[] = []
  reachable = true
  now: number

  constructor(now: number) {
    this.now = now
  }

  async snapshot(spec: PoolSpec): Promise<HealthView> {
    this.calls.push('snapshot')
    if (!this.reachable) throw new Error('Durable Object is overloaded')
    this.state = reconcile(this.state, spec.upstreams.map((u) => u.key))
    return viewOf(this.state, spec.policy, this.now)
  }

  async report(spec: PoolSpec, batches: Record<string, OutcomeBatch>): Promise<HealthView> {
    this.calls.push(`report ${Object.entries(batches).map(([k, b]) => `${k}:${b.successes}/${b.failures}`).join(' ')}`)
    if (!this.reachable) throw new Error('Durable Object is overloaded')
    this.state = reconcile(this.state, spec.upstreams.map((u) => u.key))
    for (const [key, batch] of Object.entries(batches)) this.state = applyOutcomes(this.state, key, batch, this.now, spec.policy)
    return viewOf(this.state, spec.policy, this.now)
  }
}

const POLICY: HealthPolicy = { active: undefined, consecutiveFailures: 3, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectedPercent: 50, slowStartMs: 0 }

const spec = (keys = ['a', 'b', 'c'], policy: Partial<HealthPolicy> = {}): PoolSpec => ({
  name: 'api',
  upstreams: keys.map((key) => ({ key, kind: 'url', url: `https://${key}.internal` })),
  policy: { ...POLICY, ...policy },
})

// The tracker stamps a snapshot's arrival with the wall clock; in workerd that clock stands still
// while a test does no I/O, so times based on it line up with the ones passed in.
const T0 = Date.now()

function setup(keys?: string[], policy?: Partial<HealthPolicy>) {
  const object = new MemoryHealth(T0)
  const tracker = new PoolHealthTracker(spec(keys, policy))
  return { object, tracker, maintain: (now: number) => tracker.maintain(() => object, now) }
}

const fail = (tracker: PoolHealthTracker, key: string, times: number, now: number) => {
  for (let i = 0; i < times; i++) tracker.record(key, false, undefined, now, 'unreachable')
}

describe('PoolHealthTracker', () => {
  it('stops choosing an upstream as soon as this isolate has seen it fail consecutiveFailures times', () => {
    const { tracker } = setup()
    fail(tracker, 'a', 2, T0)
    expect(tracker.state('a', T0).available).toBe(true)
    fail(tracker, 'a', 1, T0)
    expect(tracker.state('a', T0).available).toBe(false)
    expect(tracker.state('b', T0).available).toBe(true)
    expect(tracker.nextRecoveryAt(T0)).toBe(T0 + 30_000)
    expect(tracker.state('a', T0 + 30_000).available).toBe(true)
  })

  it('asks the object for a snapshot on first use, then not again until it is SNAPSHOT_TTL_MS old', async () => {
    const { object, maintain } = setup()
    await maintain(T0)
    expect(object.calls).toEqual(['snapshot'])
    expect(maintain(T0 + 500)).toBeUndefined()
    expect(maintain(T0 + SNAPSHOT_TTL_MS - 500)).toBeUndefined()
    await maintain(T0 + SNAPSHOT_TTL_MS + 500)
    expect(object.calls).toEqual(['snapshot', 'snapshot'])
  })

  it('reports successes at most once a second, all of them in one batch', async () => {
    const { object, tracker, maintain } = setup()
    await maintain(T0)
    tracker.record('a', true, 10, T0 + 100)
    await maintain(T0 + 100) // the first outcomes go at once
    tracker.record('a', true, 10, T0 + 200)
    tracker.record('b', true, 10, T0 + 300)
    expect(maintain(T0 + 300)).toBeUndefined()
    tracker.record('a', true, 10, T0 + 900)
    expect(maintain(T0 + 900)).toBeUndefined()
    await maintain(T0 + 1_100)
    expect(object.calls).toEqual(['snapshot', 'report a:1/0', 'report a:2/0 b:1/0'])
  })

  it('reports a failure early: 100 ms after the last report rather than a second', async () => {
    const { object, tracker, maintain } = setup()
    await maintain(T0)
    tracker.record('a', true, 10, T0 + 100)
    await maintain(T0 + 100)
    fail(tracker, 'a', 1, T0 + 150)
    expect(maintain(T0 + 150)).toBeUndefined()
    await maintain(T0 + 200)
    expect(object.calls).toEqual(['snapshot', 'report a:1/0', 'report a:0/1'])
  })

  it('has nothing to do while traffic is quiet and the snapshot is fresh', async () => {
    const { maintain } = setup()
    await maintain(T0)
    for (const t of [1, 10, 100, 1_000, 1_999]) expect(maintain(T0 + t)).toBeUndefined()
  })

  it('never has two calls to the object in flight', async () => {
    const { object, tracker, maintain } = setup()
    const first = maintain(T0)
    fail(tracker, 'a', 1, T0 + 500)
    expect(maintain(T0 + 500)).toBeUndefined()
    await first
    await maintain(T0 + 600)
    expect(object.calls).toEqual(['snapshot', 'report a:0/1'])
  })

  it('avoids an upstream that other isolates saw fail, once their reports reached the object', async () => {
    const object = new MemoryHealth(T0)
    const one = new PoolHealthTracker(spec())
    const two = new PoolHealthTracker(spec())
    fail(one, 'a', 3, T0)
    await one.maintain(() => object, T0)
    expect(two.state('a', T0).available).toBe(true) // two has not heard yet
    await two.maintain(() => object, T0)
    expect(two.state('a', T0).available).toBe(false)
    expect(two.nextRecoveryAt(T0)).toBe(T0 + 30_000)
  })

  it('keeps balancing on its own view when the object cannot be reached, and tries again after the TTL', async () => {
    const { object, tracker, maintain } = setup()
    object.reachable = false
    fail(tracker, 'a', 3, T0)
    await expect(maintain(T0)).resolves.toBeUndefined() // the failure is logged, not thrown
    expect(tracker.state('a', T0).available).toBe(false)
    expect(tracker.state('b', T0).available).toBe(true)
    expect(maintain(T0 + 500)).toBeUndefined()
    object.reachable = true
    await maintain(T0 + SNAPSHOT_TTL_MS + 500)
    expect(object.calls).toEqual(['report a:0/3', 'snapshot'])
    expect(tracker.state('a', T0 + SNAPSHOT_TTL_MS + 500).available).toBe(false)
  })

  it("keeps the object's last view while the object cannot be reached", async () => {
    const object = new MemoryHealth(T0)
    const other = new PoolHealthTracker(spec())
    fail(other, 'b', 3, T0)
    await other.maintain(() => object, T0)
    const { tracker } = setup()
    await tracker.maintain(() => object, T0)
    object.reachable = false
    await tracker.maintain(() => object, T0 + SNAPSHOT_TTL_MS + 500)
    expect(tracker.state('b', T0 + SNAPSHOT_TTL_MS + 500).available).toBe(false)
  })

  it("takes the latency the object measured, and its own until the object has one", async () => {
    const { object, tracker, maintain } = setup()
    tracker.record('a', true, 40, T0)
    expect(tracker.state('a', T0).latencyEwmaMs).toBe(40)
    object.state = reconcile({}, ['a', 'b', 'c'])
    object.state = applyOutcomes(object.state, 'a', { successes: 1, failures: 0, trailingFailures: 0, latencySumMs: 250, latencyCount: 1 }, T0, POLICY)
    await maintain(T0)
    expect(tracker.state('a', T0).latencyEwmaMs).toBeCloseTo(250 + 0.3 * (40 - 250))
  })

  it('never has more than maxEjectedPercent of the pool out, counting what the object ejected', async () => {
    const object = new MemoryHealth(T0)
    const other = new PoolHealthTracker(spec())
    fail(other, 'a', 3, T0)
    await other.maintain(() => object, T0)
    const { tracker } = setup()
    await tracker.maintain(() => object, T0) // a is out: one of three
    fail(tracker, 'b', 3, T0 + 10) // b too would make two of three, over 50%
    const out = ['a', 'b', 'c'].filter((k) => !tracker.state(k, T0 + 10).available)
    expect(out).toEqual(['a'])
  })
})
