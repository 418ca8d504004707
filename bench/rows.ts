// Every row of the benchmark, one definition each. A row says what serves the request (the origin
// directly, the raw pass-through Worker, Portico with a config, nginx or HAProxy), which path it asks
// for, what a correct answer looks like, and the row it is compared with. A capability that is not
// built yet has a pending row: when it lands, replace `pending` with a target, a path and an expected
// answer (as the cache and rate limit rows have), and it is measured from then on.

export const KiB = 1024
export const MiB = 1024 * KiB

export type Group = 'floor' | 'portico' | 'routes' | 'upstreams' | 'body' | 'reference'

export const GROUP_TITLES: Record<Group, string> = {
  floor: 'The floor: no proxy, and a Worker that only passes requests on',
  portico: 'Portico (1 KiB responses)',
  routes: 'Scaling: routes in the table (the matched route is the last one)',
  upstreams: 'Scaling: upstreams in the pool',
  body: 'Scaling: response body size (streamed)',
  reference: 'Classic proxies, for reference (same origins, same load)',
}

/** The benchmark's origins (bench/origin-server.ts): three demo origins on loopback ports. */
export interface OriginUrls {
  urls: readonly string[]
}

export type Target =
  | { kind: 'origin' }
  /** The raw pass-through Worker (bench/raw-worker.js), or another floor Worker in bench/. */
  | { kind: 'raw'; script?: string }
  | { kind: 'portico'; bindings: (o: OriginUrls) => Record<string, string> }
  | { kind: 'nginx' | 'haproxy'; upstreams: (o: OriginUrls) => string[] }

export interface MeasuredRow {
  id: string
  group: Group
  label: string
  target: Target
  /** Request path and query, the same on every server. */
  path: string
  /** Body bytes of a correct answer (checked before the load); undefined for an encoded body. */
  expectBytes?: number
  /** Request headers, the same on every request (Accept-Encoding for the compression rows). */
  headers?: Record<string, string>
  /** A response header a correct answer carries (lower case), and text its value includes: proof the stage ran. */
  expectHeader?: { name: string; includes?: string }
  /** Add a query parameter unique to each request (a cache miss every time). */
  uniqueQuery?: boolean
  /** The row this one is divided by in the same repetition (the raw Worker at the same body size). */
  baseline?: string
  /** Load generator connections; default from the command line. */
  connections?: number
}

export interface PendingRow {
  id: string
  group: Group
  label: string
  /** Why it is not measured yet. */
  pending: string
}

export type Row = MeasuredRow | PendingRow

export const isPending = (row: Row): row is PendingRow => 'pending' in row

const bytes = (n: number) => `/bytes?n=${n}`
const first = (o: OriginUrls) => o.urls[0] as string
const config = (value: unknown) => ({ PORTICO_CONFIG: JSON.stringify(value) })
/** Active probes every 2 s on every upstream, as a production pool would have (passive is on by default). */
const health = { active: { path: '/bytes', intervalMs: 2000 } }

/** A pool of n upstreams over the three origins, told apart by base path (the origin serves /bytes under any prefix). */
function pool(o: OriginUrls, n: number): string[] {
  if (n <= o.urls.length) return o.urls.slice(0, n)
  return Array.from({ length: n }, (_, i) => `${o.urls[i % o.urls.length]}/u${i}`)
}

/** n routes on distinct path prefixes, each to the first origin with the prefix stripped. */
function routes(o: OriginUrls, n: number): unknown {
  return { routes: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, match: { path: `/r${i}` }, upstream: first(o), rewrite: { stripPrefix: true } })) }
}

const forwardOnly: Target = { kind: 'portico', bindings: (o) => ({ ORIGIN: first(o) }) }

export const ROWS: readonly Row[] = [
  { id: 'direct', group: 'floor', label: 'direct to the origin', target: { kind: 'origin' }, path: bytes(KiB), expectBytes: KiB, baseline: 'raw' },
  { id: 'raw', group: 'floor', label: 'raw pass-through Worker (workerd)', target: { kind: 'raw' }, path: bytes(KiB), expectBytes: KiB, baseline: 'raw' },
  {
    id: 'raw-log',
    group: 'floor',
    label: 'raw pass-through Worker writing one JSON log line per request',
    target: { kind: 'raw', script: 'raw-log-worker.js' },
    path: bytes(KiB),
    expectBytes: KiB,
    baseline: 'raw',
  },
  {
    id: 'raw-proxy',
    group: 'floor',
    label: "raw Worker doing a gateway's minimum duties by hand (hop-by-hop, X-Forwarded-*, Via, request id, log line)",
    target: { kind: 'raw', script: 'raw-proxy-worker.js' },
    path: bytes(KiB),
    expectBytes: KiB,
    baseline: 'raw',
  },

  { id: 'forward', group: 'portico', label: 'forwarding only (`ORIGIN`)', target: forwardOnly, path: bytes(KiB), expectBytes: KiB, baseline: 'raw' },
  {
    id: 'forward-quiet',
    group: 'portico',
    label: 'forwarding only, request logs and metrics off',
    target: { kind: 'portico', bindings: (o) => config({ routes: [{ upstream: first(o) }], observability: { logLevel: 'off', metrics: false } }) },
    path: bytes(KiB),
    expectBytes: KiB,
    baseline: 'raw',
  },
  {
    id: 'balance',
    group: 'portico',
    label: 'balancing + health (pool of 3, round robin, active + passive checks)',
    target: { kind: 'portico', bindings: (o) => config({ pools: { web: { upstreams: pool(o, 3), health } }, routes: [{ pool: 'web' }] }) },
    path: bytes(KiB),
    expectBytes: KiB,
    baseline: 'raw',
  },
  {
    id: 'cache-hit',
    group: 'portico',
    label: "cache hit (1 KiB stored for an hour, served from the isolate's memory tier)",
    target: { kind: 'portico', bindings: (o) => config({ routes: [{ upstream: first(o), cache: { edgeTtlSeconds: 3600 } }] }) },
    path: bytes(KiB),
    expectBytes: KiB,
    expectHeader: { name: 'cache-status', includes: 'hit' },
    baseline: 'raw',
  },
  {
    id: 'cache-hit-edge',
    group: 'portico',
    label: 'cache hit from the Cache API (memory tier off)',
    target: { kind: 'portico', bindings: (o) => config({ routes: [{ upstream: first(o), cache: { edgeTtlSeconds: 3600, memory: false } }] }) },
    path: bytes(KiB),
    expectBytes: KiB,
    expectHeader: { name: 'cache-status', includes: 'hit' },
    baseline: 'raw',
  },
  {
    id: 'cache-miss',
    group: 'portico',
    label: 'cache miss (a new URL each time: lookup, forward, store)',
    target: { kind: 'portico', bindings: (o) => config({ routes: [{ upstream: first(o), cache: { edgeTtlSeconds: 3600 } }] }) },
    path: bytes(KiB),
    uniqueQuery: true,
    expectBytes: KiB,
    expectHeader: { name: 'cache-status', includes: 'stored' },
    baseline: 'raw',
  },
  // 100 KiB of text (the demo origin's /encoded, numbered lines) encoded for the client; compared
  // with the raw pass-through of 100 KiB as it is.
  ...(['gzip', 'br', 'zstd'] as const).map(
    (coding): MeasuredRow => ({
      id: `compress-${coding}`,
      group: 'portico',
      label: `compression, ${coding} (default level), 100 KiB text`,
      target: { kind: 'portico', bindings: (o) => config({ routes: [{ upstream: first(o), compress: {} }] }) },
      path: `/encoded?n=${100 * KiB}`,
      headers: { 'Accept-Encoding': coding },
      expectHeader: { name: 'content-encoding', includes: coding },
      baseline: 'raw-100k',
    }),
  ),
  ...(['exact', 'fast'] as const).map(
    (mode): MeasuredRow => ({
      id: `ratelimit-${mode}`,
      group: 'portico',
      label: `rate limiting, ${mode} mode (one hot key, never refused, RateLimit headers on)`,
      target: {
        kind: 'portico',
        bindings: (o) => config({ routes: [{ upstream: first(o), rateLimits: [{ name: 'bench', key: ['path'], limit: 1_000_000_000, periodSeconds: 60, mode, headers: true }] }] }),
      },
      path: bytes(KiB),
      expectBytes: KiB,
      expectHeader: { name: 'ratelimit' },
      baseline: 'raw',
    }),
  ),

  ...[10, 1000, 10_000].map(
    (n): MeasuredRow => ({
      id: `routes-${n}`,
      group: 'routes',
      label: `${n.toLocaleString('en')} routes`,
      target: { kind: 'portico', bindings: (o) => config(routes(o, n)) },
      path: `/r${n - 1}${bytes(KiB)}`,
      expectBytes: KiB,
      baseline: 'raw',
    }),
  ),

  {
    id: 'upstreams-100',
    group: 'upstreams',
    label: 'pool of 100 (compare: pool of 3 is the balancing row)',
    target: { kind: 'portico', bindings: (o) => config({ pools: { web: { upstreams: pool(o, 100), health } }, routes: [{ pool: 'web' }] }) },
    path: bytes(KiB),
    expectBytes: KiB,
    baseline: 'raw',
  },

  ...[
    { size: 100 * KiB, name: '100k', text: '100 KiB', connections: undefined },
    { size: 10 * MiB, name: '10m', text: '10 MiB', connections: 8 },
  ].flatMap(({ size, name, text, connections }): MeasuredRow[] => [
    { id: `direct-${name}`, group: 'body', label: `${text}, direct to the origin`, target: { kind: 'origin' }, path: bytes(size), expectBytes: size, baseline: `raw-${name}`, connections },
    { id: `raw-${name}`, group: 'body', label: `${text}, raw pass-through Worker`, target: { kind: 'raw' }, path: bytes(size), expectBytes: size, baseline: `raw-${name}`, connections },
    { id: `forward-${name}`, group: 'body', label: `${text}, Portico forwarding`, target: forwardOnly, path: bytes(size), expectBytes: size, baseline: `raw-${name}`, connections },
  ]),

  ...(['nginx', 'haproxy'] as const).flatMap((kind): MeasuredRow[] => {
    const name = kind === 'nginx' ? 'nginx' : 'HAProxy'
    return [
      { id: `${kind}-forward`, group: 'reference', label: `${name}, forwarding`, target: { kind, upstreams: (o) => pool(o, 1) }, path: bytes(KiB), expectBytes: KiB, baseline: 'raw' },
      { id: `${kind}-balance`, group: 'reference', label: `${name}, pool of 3, round robin`, target: { kind, upstreams: (o) => pool(o, 3) }, path: bytes(KiB), expectBytes: KiB, baseline: 'raw' },
      { id: `${kind}-100k`, group: 'reference', label: `${name}, 100 KiB`, target: { kind, upstreams: (o) => pool(o, 1) }, path: bytes(100 * KiB), expectBytes: 100 * KiB, baseline: 'raw-100k' },
      { id: `${kind}-10m`, group: 'reference', label: `${name}, 10 MiB`, target: { kind, upstreams: (o) => pool(o, 1) }, path: bytes(10 * MiB), expectBytes: 10 * MiB, baseline: 'raw-10m', connections: 8 },
    ]
  }),
]
