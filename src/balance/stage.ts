// Choosing the upstream for one attempt: the pool's available upstreams (health from
// src/health, never written here), slow-start weights, the algorithm's pick, a sticky cookie
// first when the pool has one, and the backup pool or panic when nothing is available.
import type { CompiledPool, HashOn, Upstream } from '../config/index.ts'
import { HEALTH_BINDING } from '../config/index.ts'
import { PoolHealthTracker, type HealthStub } from '../health/tracker.ts'
import type { PickKey, Picker, UpstreamView } from './pick.ts'
import { ConsistentHash } from './policies/consistent-hash.ts'
import { LeastConnections, LeastTime, PowerOfTwoChoices } from './policies/least-load.ts'
import { RoundRobin } from './policies/round-robin.ts'
import { SmoothWeighted } from './policies/smooth-weighted.ts'
import { WeightedRandom } from './policies/weighted-random.ts'
import { cookieValue } from '../http/cookie.ts'
import { ipPrefix } from '../http/ip.ts'
import { readStickyCookie } from './sticky-cookie.ts'

const PICKERS: Record<CompiledPool['algorithm'], () => Picker> = {
  'weighted-round-robin': () => new SmoothWeighted(),
  'round-robin': () => new RoundRobin(),
  'weighted-random': () => new WeightedRandom(),
  'least-connections': () => new LeastConnections(),
  'least-time': () => new LeastTime(),
  'power-of-two-choices': () => new PowerOfTwoChoices(),
  'ip-hash': () => new ConsistentHash(),
  'consistent-hash': () => new ConsistentHash(),
}

/** Per isolate and compiled pool: its picker (with its counters), its health tracker, and its last views. */
interface PoolRuntime {
  picker: Picker
  tracker: PoolHealthTracker | undefined
  views?: PoolViews
}

/** The pool's upstreams as a pick sees them, kept until health changes or time moves an ejection or slow start on. */
interface PoolViews {
  all: UpstreamView[]
  available: UpstreamView[]
  version: number
  validUntil: number
}
const runtimes = new WeakMap<CompiledPool, PoolRuntime>()

export function runtimeOf(pool: CompiledPool): PoolRuntime {
  let rt = runtimes.get(pool)
  if (!rt) runtimes.set(pool, (rt = { picker: PICKERS[pool.algorithm](), tracker: pool.health && new PoolHealthTracker(pool.health) }))
  return rt
}

export interface Choice {
  upstream: Upstream
  pool: CompiledPool
  /** True when the choice came from a pool with nothing available (panic). */
  panic: boolean
  /** The sticky cookie pointed at this upstream (so no new cookie is needed). */
  stuck: boolean
}

export interface ChooseInput {
  req: Request
  url: URL
  clientIp: string | undefined
  /** Upstream keys already tried by this request: a retry only goes to one not tried yet. */
  tried: ReadonlySet<string>
  now: number
  random: () => number
}

/**
 * The upstream for the next attempt: an available one of the pool, else of its backup, else, when
 * nothing in the pool is available (panic), any of the pool. Undefined when none is left to try.
 */
export async function chooseUpstream(pool: CompiledPool, input: ChooseInput): Promise<Choice | undefined> {
  const primary = views(pool, input.now)
  const backup = pool.backup && views(pool.backup, input.now)
  return (
    (await pickFrom(pool, primary.available, input, false)) ??
    (backup && (await pickFrom(pool.backup as CompiledPool, backup.available, input, false))) ??
    (pool.panic && primary.available.length === 0 ? await pickFrom(pool, primary.all, input, true) : undefined)
  )
}

/**
 * The pool's views, rebuilt only when its health changed (the tracker's version) or time reached a
 * pending change (an ejection ending, slow start): a pick is O(1) in pool size apart from the
 * algorithm itself. In-flight counts and latency are read live from the tracker at pick time.
 */
function views(pool: CompiledPool, now: number): PoolViews {
  const rt = runtimeOf(pool)
  const { tracker } = rt
  const version = tracker?.version ?? 0
  if (rt.views && rt.views.version === version && now < rt.views.validUntil) return rt.views
  const all: UpstreamView[] = []
  const available: UpstreamView[] = []
  let validUntil = Number.POSITIVE_INFINITY
  pool.upstreams.forEach((u, index) => {
    const s = tracker?.state(u.key, now)
    const view = new LiveView(index, u.key, u.weight * (s?.weightFactor ?? 1), tracker)
    all.push(view)
    if (s?.available ?? true) available.push(view)
    if (tracker) validUntil = Math.min(validUntil, tracker.changesAt(u.key, now))
  })
  return (rt.views = { all, available, version, validUntil })
}

class LiveView implements UpstreamView {
  readonly index: number
  readonly key: string
  readonly weight: number
  readonly #tracker: PoolHealthTracker | undefined

  constructor(index: number, key: string, weight: number, tracker: PoolHealthTracker | undefined) {
    this.index = index
    this.key = key
    this.weight = weight
    this.#tracker = tracker
  }

  get inFlight(): number {
    return this.#tracker?.inFlight.get(this.key) ?? 0
  }

  get latencyEwmaMs(): number | undefined {
    return this.#tracker?.latencyOf(this.key)
  }
}

async function pickFrom(pool: CompiledPool, candidates: UpstreamView[], input: ChooseInput, panic: boolean): Promise<Choice | undefined> {
  // A retry goes to an upstream not tried yet (nginx's "next upstream"); with none left, it stops.
  const pickable = input.tried.size === 0 ? candidates : candidates.filter((c) => !input.tried.has(c.key))
  if (pickable.length === 0) return undefined
  if (pool.sticky && input.tried.size === 0) {
    const key = await readStickyCookie(input.req.headers.get('cookie'), pool.name, pool.sticky, input.now)
    const stuck = key !== undefined ? pickable.find((c) => c.key === key) : undefined
    if (stuck) return { upstream: pool.upstreams[stuck.index] as Upstream, pool, panic, stuck: true }
  }
  const chosen = runtimeOf(pool).picker.pick(pickable, pickKey(pool, input), input.random)
  return chosen && { upstream: pool.upstreams[chosen.index] as Upstream, pool, panic, stuck: false }
}

function pickKey(pool: CompiledPool, input: ChooseInput): PickKey {
  if (pool.algorithm === 'ip-hash') return input.clientIp === undefined ? {} : { hash: ipHashKey(input.clientIp) }
  if (pool.algorithm !== 'consistent-hash') return {}
  const value = hashValue(pool.hashOn, input)
  return value === undefined ? {} : { hash: value }
}

function hashValue(on: HashOn, input: ChooseInput): string | undefined {
  switch (on.kind) {
    case 'url':
      return input.url.pathname + input.url.search
    case 'path':
      return input.url.pathname
    case 'header':
      return input.req.headers.get(on.name) ?? undefined
    case 'cookie':
      return cookieValue(input.req.headers.get('cookie'), on.name)
  }
}

/** An IPv6 client hashes on its /64, so one host rotating addresses stays on one upstream. */
export function ipHashKey(ip: string): string {
  const prefix = ipPrefix(ip, 64)
  return prefix.endsWith('/64') ? prefix.slice(0, -3).split(':').slice(0, 4).join(':') : prefix
}

/** The health object of a pool: named by what it holds, so state outlives deploys. */
export function healthStub(env: Record<string, unknown>, pool: CompiledPool): HealthStub {
  const ns = env[HEALTH_BINDING] as DurableObjectNamespace
  return ns.get(ns.idFromName(`pool:${pool.name}`)) as unknown as HealthStub
}
