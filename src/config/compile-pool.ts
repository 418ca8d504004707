// Pools and retries from config to their compiled form: the balancing algorithm and its key,
// sticky cookies, backup and panic, the health policy handed to the pool's Durable Object, and a
// route's retry policy. Defaults live here, each with its reason.
import type { HealthPolicy } from '../health/state.ts'
import type { PoolSpec } from '../health/view.ts'
import type { ALGORITHMS, PoolConfig, RetriesConfig } from './schema.ts'

export type Algorithm = (typeof ALGORITHMS)[number]

export type Upstream =
  | { id: string; key: string; kind: 'url'; origin: string; basePath: string; hostname: string; host: string; weight: number; mtlsBinding?: string }
  | { id: string; key: string; kind: 'service'; binding: string; weight: number }

export type HashOn = { kind: 'url' } | { kind: 'path' } | { kind: 'header'; name: string } | { kind: 'cookie'; name: string }

export interface CompiledPool {
  name: string
  upstreams: readonly Upstream[]
  algorithm: Algorithm
  hashOn: HashOn
  sticky: { cookie: string; ttlSeconds: number; secret: string } | undefined
  /** Serves when no upstream of this pool is available (one level: a backup's backup is not used). */
  backup: CompiledPool | undefined
  panic: boolean
  /** Undefined: no health tracking (one upstream and no active probes: nothing to choose between). */
  health: PoolSpec | undefined
  /** Response statuses that count as a failed attempt for passive health. */
  failureStatuses: ReadonlySet<number>
}

export interface RetryPolicy {
  attempts: number
  onConnectFailure: boolean
  onTimeout: boolean
  statuses: ReadonlySet<number>
  nonIdempotent: boolean
  maxBodyBytes: number
  budgetPercent: number
}

/** The Durable Object binding that holds pool health (wrangler.toml [[durable_objects.bindings]]). */
export const HEALTH_BINDING = 'UPSTREAM_HEALTH'

const DEFAULT_FAILURE_STATUSES = [502, 503, 504]

export function compilePool(
  name: string,
  cfg: Pick<PoolConfig, 'algorithm' | 'hashOn' | 'panic' | 'health'> & { sticky?: unknown },
  upstreams: readonly Upstream[],
  sticky: CompiledPool['sticky'],
): CompiledPool {
  const passive = cfg.health?.passive
  const failureStatuses = new Set(passive === false ? DEFAULT_FAILURE_STATUSES : (passive?.failureStatuses ?? DEFAULT_FAILURE_STATUSES))
  const a = cfg.health?.active
  const policy: HealthPolicy = {
    active: a && {
      path: a.path,
      method: a.method ?? 'GET',
      intervalMs: a.intervalMs ?? 10_000,
      timeoutMs: a.timeoutMs ?? 2_000,
      expectStatus: parseStatusRanges(a.expectStatus ?? '200-399'),
      bodyContains: a.bodyContains,
      healthyThreshold: a.healthyThreshold ?? 2,
      unhealthyThreshold: a.unhealthyThreshold ?? 3,
    },
    // Passive off means: never eject (an unreachable threshold), still measure latency.
    consecutiveFailures: passive === false ? Number.MAX_SAFE_INTEGER : (passive?.consecutiveFailures ?? 5),
    baseEjectionMs: (passive || undefined)?.baseEjectionMs ?? 30_000,
    maxEjectionMs: (passive || undefined)?.maxEjectionMs ?? 300_000,
    // Half: with most of a pool ejected the rest would take all the load and could fall over too.
    maxEjectedPercent: (passive || undefined)?.maxEjectedPercent ?? 50,
    slowStartMs: cfg.health?.slowStartMs ?? 0,
  }
  const tracked = upstreams.length > 1 || policy.active !== undefined
  const health: PoolSpec | undefined = tracked
    ? {
        name,
        upstreams: upstreams.map((u) =>
          u.kind === 'service'
            ? { key: u.key, kind: 'service', binding: u.binding }
            : { key: u.key, kind: 'url', url: u.origin + u.basePath, ...(u.mtlsBinding ? { mtlsBinding: u.mtlsBinding } : {}) },
        ),
        policy,
      }
    : undefined
  const hashOn: HashOn =
    cfg.hashOn === undefined || cfg.hashOn === 'url'
      ? { kind: 'url' }
      : cfg.hashOn === 'path'
        ? { kind: 'path' }
        : 'header' in cfg.hashOn
          ? { kind: 'header', name: cfg.hashOn.header.toLowerCase() }
          : { kind: 'cookie', name: cfg.hashOn.cookie }
  return { name, upstreams, algorithm: cfg.algorithm ?? 'weighted-round-robin', hashOn, sticky, backup: undefined, panic: cfg.panic ?? true, health, failureStatuses }
}

/** "200-399,404" → [[200, 399], [404, 404]] (the schema has checked the form). */
export function parseStatusRanges(text: string): Array<[number, number]> {
  return text.split(',').map((part) => {
    const [lo, hi] = part.trim().split('-').map(Number) as [number, number | undefined]
    return [lo, hi ?? lo]
  })
}

export function compileRetries(cfg: RetriesConfig | undefined): RetryPolicy {
  const on = cfg?.on ?? ['connect-failure', 'timeout']
  return {
    attempts: cfg?.attempts ?? 2,
    onConnectFailure: on.includes('connect-failure'),
    onTimeout: on.includes('timeout'),
    statuses: new Set(cfg?.statuses ?? DEFAULT_FAILURE_STATUSES),
    nonIdempotent: cfg?.nonIdempotent ?? false,
    maxBodyBytes: cfg?.maxBodyBytes ?? 65_536,
    // Envoy's retry budget default is 20% of active requests: enough to ride out one bad
    // upstream, too little to multiply load when all are failing.
    budgetPercent: cfg?.budgetPercent ?? 20,
  }
}

/** Stable identity of an upstream across deploys and reorderings: its URL or service name. */
export function upstreamKey(u: { kind: 'url'; origin: string; basePath: string } | { kind: 'service'; binding: string }): string {
  return u.kind === 'url' ? u.origin + u.basePath : `service:${u.binding}`
}
